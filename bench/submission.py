"""Time report submissions against gunicorn on localhost: `python bench/submission.py [runs]`.

Production settings (Argon2id receipt stretch at 4 MiB, t=1; HPKE sealing to three keys),
SQLite in a throw-away instance. Reports the median server time gunicorn logs for
POST /report, and the client's round trip, for a text-only report and one with a 10 MB file;
then the server time of a follow-up log-in with a right, an unknown and a malformed receipt
(the last two must not be told apart by timing).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.liveserver import RECEIPT, Client, Server, gunicorn, report_fields
from bench.results import record
from complaints import receipts as receipt_codes

TEN_MB = 10 * 1024 * 1024


def submit(client: Client, files: list[tuple[str, str, int]], receipts: list[str] | None = None) -> float:
    client.get("/report")
    status, body, elapsed = client.post_multipart("/report", report_fields(client.last_token), files)
    match = RECEIPT.search(body)
    if status != 200 or not match:
        raise RuntimeError(f"submission failed with {status}")
    if receipts is not None:
        receipts.append(match.group(1))
    return elapsed


def log_in(server: Server, receipt: str) -> int:
    """One follow-up log-in in a fresh browser; returns the status (302 right, 422 wrong)."""
    client = Client(server)
    client.get("/follow-up")
    status, _, _ = client.post_multipart(
        "/follow-up", {"csrf_token": client.last_token, "receipt": receipt}, []
    )
    return status


def median_ms(times: list[int]) -> str:
    return f"{statistics.median(times):.0f} ms"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with gunicorn() as server:
        client = Client(server)
        submit(client, [])  # warm-up: imports, first connection, page caches
        receipts: list[str] = []
        text_client = [submit(client, [], receipts) for _ in range(runs)]
        text_server = server.server_times_ms("POST", "/report")[1:]
        file_client = [
            submit(client, [("attachments", "evidence.bin", TEN_MB)]) for _ in range(max(runs // 4, 3))
        ]
        file_server = server.server_times_ms("POST", "/report")[1 + runs :]
        logins = {
            "right": receipts[:10],
            "unknown": [receipt_codes.new_receipt() for _ in range(10)],
            "malformed": ["12-34"] * 10,
        }
        login_ms: dict[str, list[int]] = {}
        for kind, typed in logins.items():
            seen = len(server.server_times_ms("POST", "/follow-up"))
            statuses = {log_in(server, receipt) for receipt in typed}
            if statuses != ({302} if kind == "right" else {422}):
                raise RuntimeError(f"{kind} receipts answered {statuses}")
            login_ms[kind] = server.server_times_ms("POST", "/follow-up")[seen:]
    print(f"text-only report, {len(text_client)} runs")
    print(f"  server (gunicorn %(M)s) median {statistics.median(text_server):.0f} ms")
    print(f"  client round trip       median {statistics.median(text_client) * 1000:.0f} ms")
    print(f"report with a 10 MB file, {len(file_client)} runs")
    print(f"  server (gunicorn %(M)s) median {statistics.median(file_server):.0f} ms")
    print(f"  client round trip       median {statistics.median(file_client) * 1000:.0f} ms")
    print(
        "follow-up log-in, server median: "
        + ", ".join(f"{k} receipt {median_ms(v)}" for k, v in login_ms.items())
    )
    record("submission.text.server_median", statistics.median(text_server), "ms")
    record("submission.file10mb.server_median", statistics.median(file_server), "ms")
    for kind, times in login_ms.items():
        record(f"followup.login.{kind}.server_median", statistics.median(times), "ms")


if __name__ == "__main__":
    main()
