"""Peak memory of the server while a large file uploads: `python bench/upload_memory.py [MB ...]`.

Starts gunicorn (one worker, one thread) with the size limits raised for the measurement, streams each
upload from a generator (the client never holds the file either), samples the worker's
resident memory every 20 ms, and prints the baseline, the peak and the growth per upload size.
A streaming, encrypt-as-it-arrives upload path keeps the growth flat whatever the size.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.liveserver import RECEIPT, Client, gunicorn, report_fields, rss_kib
from bench.results import record

MB = 1024 * 1024


def peak_rss_during(pid: int, action: object) -> tuple[int, int, float]:
    """(baseline KiB, peak KiB, seconds) while ``action()`` runs."""
    baseline = rss_kib(pid)
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        action()  # type: ignore[operator]  # a callable held in a dict of Any
    finally:
        done.set()
        sampler.join()
    return baseline, peak, time.perf_counter() - started


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [0, 0, 20, 200]
    limit = (max(sizes) + 10) * MB
    env = {
        "COMPLAINTS_MAX_ATTACHMENT_BYTES": str(limit),
        "COMPLAINTS_MAX_CONTENT_LENGTH": str(limit + MB),
    }
    with gunicorn(env, workers=1, threads=1) as server:
        (worker,) = server.worker_pids()
        client = Client(server)
        client.get("/report")
        client.post_multipart("/report", report_fields(client.last_token), [])  # warm up the worker
        # Every submission also runs one Argon2id receipt stretch (4 MiB); the allocator keeps that
        # block after the first text-only reports, so a text-only report (0 MB) is the reference:
        # a streaming upload path keeps the peak there whatever the file size.
        print(f"gunicorn worker pid {worker}; sizes in MiB of resident memory")
        for size in sizes:

            def upload(size: int = size) -> None:
                client.get("/report")
                files = [("attachments", "big.bin", size * MB)] if size else []
                status, body, _ = client.post_multipart("/report", report_fields(client.last_token), files)
                if status != 200 or not RECEIPT.search(body):
                    raise RuntimeError(f"upload failed with {status}")

            baseline, peak, seconds = peak_rss_during(worker, upload)
            print(
                f"  {size:>4} MB file:   baseline {baseline / 1024:6.1f}  peak {peak / 1024:6.1f}  "
                f"growth {(peak - baseline) / 1024:5.1f}  ({seconds:.2f} s)"
            )
            record(f"memory.upload{size}mb.peak", peak / 1024, "MiB")
        stored = sum(path.stat().st_size for path in (server.instance / "uploads").glob("*"))
        print(f"  encrypted files on disk: {stored / MB:.1f} MiB")


if __name__ == "__main__":
    main()
