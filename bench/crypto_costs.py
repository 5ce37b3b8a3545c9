"""Measure the crypto costs the design relies on: `python bench/crypto_costs.py`.

Prints medians over repeated runs of: HPKE seal/open of a 32-byte key, AES-GCM of a 10 KB
field, one Argon2id run at the production parameters (64 MiB, t=3), receipt -> reporter key
derivation, and streaming file encryption/decryption throughput.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results import record
from complaints import crypto, receipts


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    private = crypto.generate_private_key()
    public = crypto.public_key_of(private)
    secret = crypto.new_data_key()
    sealed = crypto.seal(secret, public, "bench")
    key = crypto.new_data_key()
    field = os.urandom(10_000)
    field_ct = crypto.encrypt_bytes(key, field, "bench")
    receipt, salt = receipts.new_receipt(), crypto.new_salt()
    production = crypto.Argon2Params()

    rows = [
        (
            "HPKE seal (MLKEM768_X25519, 32-byte key)",
            median_seconds(lambda: crypto.seal(secret, public, "bench"), 200),
        ),
        ("HPKE open", median_seconds(lambda: crypto.unseal(sealed, private, "bench"), 200)),
        (
            "AES-256-GCM encrypt 10 KB field",
            median_seconds(lambda: crypto.encrypt_bytes(key, field, "b"), 500),
        ),
        (
            "AES-256-GCM decrypt 10 KB field",
            median_seconds(lambda: crypto.decrypt_bytes(key, field_ct, "bench"), 500),
        ),
        (
            "receipt stretch, Argon2id 4 MiB t=1 (submission, log-in)",
            median_seconds(
                lambda: crypto.stretch_receipt(receipt, b"pepper", crypto.Argon2Params(4 * 1024, 1)), 30
            ),
        ),
        (
            "stretched receipt -> reporter keypair (HKDF + public key)",
            median_seconds(lambda: crypto.public_key_of(crypto.reporter_private_key(salt * 2, salt)), 200),
        ),
        (
            f"Argon2id {production.memory_kib // 1024} MiB, t={production.iterations} (one login)",
            median_seconds(lambda: crypto.derive_password_keys("a staff password", salt, production), 7),
        ),
    ]
    print(f"sealed key size: {len(sealed)} bytes; public key: {len(public)} bytes")
    for name, seconds in rows:
        unit = f"{seconds * 1e6:.0f} µs" if seconds < 0.01 else f"{seconds * 1e3:.0f} ms"
        print(f"{name:58s} {unit:>10s}")
        if name.startswith("Argon2id") and "one login" in name:
            record("crypto.staff_login_argon2", seconds * 1000, "ms")
        if name.startswith("receipt stretch"):
            record("crypto.receipt_stretch", seconds * 1000, "ms")

    size = 64 * 1024 * 1024
    data = os.urandom(1024 * 1024)
    sink = io.BytesIO()
    start = time.perf_counter()
    crypto.encrypt_stream(key, "file|bench", (data for _ in range(size // len(data))), sink)
    encrypt_seconds = time.perf_counter() - start
    sink.seek(0)
    start = time.perf_counter()
    for _chunk in crypto.decrypt_stream(key, "file|bench", sink):
        pass
    decrypt_seconds = time.perf_counter() - start
    print(f"{'stream encrypt (64 MiB, 64 KiB chunks)':58s} {size / encrypt_seconds / 1e6:>7.0f} MB/s")
    print(f"{'stream decrypt':58s} {size / decrypt_seconds / 1e6:>7.0f} MB/s")


if __name__ == "__main__":
    main()
