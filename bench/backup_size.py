"""Size and time of `flask backup create` and `backup restore` for 10 000 real cases.

    python bench/backup_size.py [--cases 10000] [--database-url postgresql+psycopg://…/complaints_bench]

Every case is filed through the same service functions as the form (encrypted report, sealed
keys, the clocks), one in ten with a 100 KB evidence file; then the archive is made, and restored
into a second, empty database with only the same config.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.triage_queue import fresh_database, make_app
from complaints import cases, create_app, keys, settings
from complaints.dates import today
from complaints.db import engine_of, new_session
from complaints.storage import EncryptedUpload

DESCRIPTION = "ปลัดเทศบาลรับเงินจากผู้รับเหมาเพื่อให้ผ่านการตรวจรับงานถนน " * 8


def seed(app: object, count: int) -> float:
    started = time.perf_counter()
    with app.app_context(), new_session(app) as db:  # type: ignore[attr-defined]
        recipients = keys.recipient_keys(db)
        db.commit()
        for number in range(count):
            evidence = []
            if number % 10 == 0:
                upload = EncryptedUpload(settings.upload_dir(), 200_000)
                upload.write(b"%PDF-1.4 " + bytes(100_000))
                upload.finish()
                evidence.append(
                    cases.EvidenceFile(upload=upload, filename="letter.pdf", content_type="application/pdf")
                )
            prepared = cases.prepare_case(
                cases.ReportContent(description=DESCRIPTION, accused_name="นาย ก"),
                None,
                evidence,
                recipients,
                settings.lookup_secret(),
                today(),
            )
            cases.store_case(db, prepared, "budget", "finance", "online", today(), settings.deadline_days())
            db.commit()
            for upload in prepared.uploads:
                upload.promote()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    first, second = Path(tempfile.mkdtemp(prefix="backup-a-")), Path(tempfile.mkdtemp(prefix="backup-b-"))
    url = fresh_database(arguments.database_url or f"sqlite:///{first / 'bench.sqlite3'}")
    app = make_app(url, first)
    print(
        f"{engine_of(app).dialect.name}: filing {arguments.cases:,} cases… {seed(app, arguments.cases):.0f} s"
    )
    archive = first / "backup.tar.gz"
    started = time.perf_counter()
    made = app.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    created = time.perf_counter() - started
    print(f"  backup create: {created:.1f} s, {archive.stat().st_size / 1e6:.1f} MB — {made.output.strip()}")
    target = (
        arguments.database_url.rsplit("/", 1)[0] + "/complaints_bench_restored"
        if arguments.database_url
        else ""
    )
    target_url = fresh_database(target) if target else f"sqlite:///{second / 'restored.sqlite3'}"
    config = {
        key: app.config[key]
        for key in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET", "TESTING")
    }
    config.update(DATABASE_URL=target_url, UPLOAD_DIR=str(second / "uploads"))
    restored = create_app(config, instance_path=str(second))
    started = time.perf_counter()
    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    print(
        f"  backup restore: {time.perf_counter() - started:.1f} s — {result.output.strip().splitlines()[0]}"
    )


if __name__ == "__main__":
    main()
