"""Peak worker memory under concurrent submissions: `python bench/concurrent_memory.py [N] [ROUNDS]`.

Starts the shipped gunicorn config (one worker, its default 8 threads), then sends N text-only
reports at once, ROUNDS times, while sampling the worker's resident memory every 20 ms. Each
submission runs one 4 MiB Argon2id receipt stretch. The cause of the growth it used to show (136
MiB idle, 253 MiB peak) was twofold: heavy libraries imported at start (fpdf2, openpyxl, zxcvbn,
pypdf, Alembic: ~60 MiB, now loaded on first use) and glibc keeping freed Argon2id buffers in
per-thread heaps (the gunicorn config now fixes the mmap threshold; Argon2id runs once per core at
a time). Now: 78.5 MiB after warm-up, 118 MiB peak.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.liveserver import RECEIPT, Client, gunicorn, report_fields
from bench.results import record
from bench.upload_memory import peak_rss_during


def main() -> None:
    concurrent = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with gunicorn({}, workers=1, threads=8) as server:
        (worker,) = server.worker_pids()
        warm = Client(server)
        warm.get("/report")
        warm.post_multipart("/report", report_fields(warm.last_token), [])
        clients = [Client(server) for _ in range(concurrent)]

        def submit(client: Client, failures: list[int]) -> None:
            client.get("/report")
            status, body, _ = client.post_multipart("/report", report_fields(client.last_token), [])
            if status != 200 or not RECEIPT.search(body):
                failures.append(status)

        def burst() -> None:
            failures: list[int] = []
            for _ in range(rounds):
                threads = [threading.Thread(target=submit, args=(c, failures)) for c in clients]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            if failures:
                raise RuntimeError(f"{len(failures)} submissions failed: {failures[:3]}")

        baseline, peak, seconds = peak_rss_during(worker, burst)
        print(
            f"{concurrent} concurrent submissions × {rounds}: worker baseline {baseline / 1024:.1f} MiB, "
            f"peak {peak / 1024:.1f} MiB, {concurrent * rounds / seconds:.1f} reports/s"
        )
        record(f"memory.concurrent{concurrent}.peak", peak / 1024, "MiB")
        record(f"memory.concurrent{concurrent}.baseline", baseline / 1024, "MiB")


if __name__ == "__main__":
    main()
