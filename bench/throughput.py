"""Submissions per second: the real channel beside the bare endpoint, same gunicorn, same database.

`python bench/throughput.py [--database-url URL] [--seconds 5] [--rounds 3] [--clients 1,4,16]`

Each client is a browser in a loop: GET /report, then POST it (text only, or with a 1 MB file),
reading the receipt from the answer. Both servers run the shipped gunicorn settings (2 workers ×
4 threads) on the same PostgreSQL server, each on a fresh database; the real one with production
key-derivation costs. Both are up for the whole run and take turns, a few seconds each, so a
machine whose speed wanders between minutes slows both alike. Prints one table row per (server,
load, clients) and the ratio of the real channel's rate to the bare one's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.liveserver import RECEIPT, Client, Server, bare_gunicorn, gunicorn, report_fields
from bench.results import record
from bench.triage_queue import fresh_database

ONE_MB = 1024 * 1024
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_throughput"


@dataclass
class Tally:
    """What the clients of one run saw."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def one_submission(server: Server, file_bytes: int) -> str:
    """One browser's GET and POST; "ok" or what went wrong."""
    client = Client(server)
    got, _ = client.get("/report")
    files = [("attachments", "evidence.bin", file_bytes)] if file_bytes else []
    status, body, _ = client.post_multipart("/report", report_fields(client.last_token), files)
    return "ok" if status == 200 and RECEIPT.search(body) else f"GET {got} POST {status}"


def run_load(server: Server, clients: int, seconds: float, file_bytes: int) -> tuple[float, Tally]:
    """Submissions per second with ``clients`` browsers for ``seconds``; and what they saw."""
    tally = Tally()
    stop_at = time.monotonic() + seconds

    def browse() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            outcome = one_submission(server, file_bytes)
            with tally.lock:
                if outcome == "ok":
                    tally.latencies.append(time.perf_counter() - started)
                else:
                    tally.failures += 1
                    tally.statuses[outcome] += 1

    threads = [threading.Thread(target=browse) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(tally.latencies) / (time.monotonic() - began), tally


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f}" if values else "–"


def p95_ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{(statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]) * 1000:.0f}"


Rates = dict[tuple[str, int], float]
SERVERS = ("bare Flask + SQLAlchemy", "this channel")


def measure(servers: dict[str, Server], args: argparse.Namespace) -> dict[str, Rates]:
    """Every (load, clients) run, the two servers taking turns: ``--rounds`` rounds of
    ``--seconds`` each, bare first then this channel, so both see the same minutes of a machine
    whose speed wanders. Prints one row per (server, load, clients); the rates by server and run
    (submissions over the rounds' total time)."""
    rates: dict[str, Rates] = {label: {} for label in servers}
    for server in servers.values():
        for _ in range(3):
            one_submission(server, 0)  # warm-up: imports, connections, caches in both workers
    for load, file_bytes in (("text", 0), ("1 MB file", ONE_MB)):
        for clients in args.clients:
            done = {label: 0 for label in servers}
            spent = {label: 0.0 for label in servers}
            tallies = {label: Tally() for label in servers}
            for _ in range(args.rounds):
                for label, server in servers.items():
                    rate, tally = run_load(server, clients, args.seconds, file_bytes)
                    done[label] += len(tally.latencies)
                    spent[label] += len(tally.latencies) / rate if rate else args.seconds
                    tallies[label].latencies += tally.latencies
                    tallies[label].failures += tally.failures
                    tallies[label].statuses.update(tally.statuses)
            for label, tally in tallies.items():
                rates[label][(load, clients)] = done[label] / spent[label]
                print(
                    f"| {label} | {load} | {clients} | {rates[label][(load, clients)]:.1f} | "
                    f"{median_ms(tally.latencies)} | {p95_ms(tally.latencies)} | "
                    f"{tally.failures} {dict(tally.statuses) or ''} |",
                    flush=True,
                )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="turns each server takes per run")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--only-ours", action="store_true", help="skip the bare endpoint (for profiling)")
    args = parser.parse_args()
    args.clients = [int(n) for n in args.clients.split(",")]
    ours_url = fresh_database(args.database_url)
    bare_url = fresh_database(args.database_url + "_bare")
    print("| server | report | clients | submissions/s | median ms | p95 ms | failed |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with ExitStack() as stack:
        servers = {} if args.only_ours else {SERVERS[0]: stack.enter_context(bare_gunicorn(bare_url))}
        servers[SERVERS[1]] = stack.enter_context(gunicorn({"COMPLAINTS_DATABASE_URL": ours_url}))
        rates = measure(servers, args)
    bare, ours = rates.get(SERVERS[0], {}), rates[SERVERS[1]]
    print("\n| report | clients | ratio to bare |")
    print("|---|---:|---:|")
    for key, rate in ours.items():
        if bare.get(key):
            print(f"| {key[0]} | {key[1]} | {rate / bare[key]:.2f} |")
            name = "text" if key[0] == "text" else "file1mb"
            record(f"throughput.{name}.c{key[1]}.ratio", rate / bare[key], "x")
            record(f"throughput.{name}.c{key[1]}.rate", rate, "per_s")
    fresh_database(ours_url)
    fresh_database(bare_url)


if __name__ == "__main__":
    main()
