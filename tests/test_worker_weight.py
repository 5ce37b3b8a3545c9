"""A serving worker stays lean: heavy libraries load when first used, and Argon2id runs at most
one per core at a time (the figures are in bench/concurrent_memory.py and the README)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from complaints import crypto

HEAVY = ("fpdf", "openpyxl", "zxcvbn", "pypdf", "alembic")


def test_the_app_starts_without_the_libraries_only_some_pages_need(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from complaints import create_app\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'k' * 40, 'RECEIPT_LOOKUP_SECRET': 'r' * 40,"
        f" 'SERVER_DATA_SECRET': 's' * 40, 'DATABASE_URL': 'sqlite:///{tmp_path}/w.sqlite3'}},"
        f" instance_path='{tmp_path}')\n"
        "app.test_client().get('/')\n"
        f"print(sorted({{name.split('.')[0] for name in sys.modules}} & set({HEAVY!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_argon2id_runs_at_most_one_per_core_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()
    original = crypto.Argon2id.derive

    def counted(self: crypto.Argon2id, material: bytes) -> bytes:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        try:
            return original(self, material)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(crypto.Argon2id, "derive", counted)
    params = crypto.Argon2Params(memory_kib=1024, iterations=1, lanes=1)
    threads = [
        threading.Thread(target=crypto.stretch_receipt, args=("1" * 20, b"pepper", params)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == max(1, os.cpu_count() or 1)
