"""Time of `flask keys rotate unit|custodian` over 10 000 real cases (every one named, so both keys
have a copy per case).

    python bench/key_rotation.py [--cases 10000] [--database-url postgresql+psycopg://…/complaints_bench]

Cases are filed through the same service functions as the form; the rotation is the CLI command a
holder runs, with the default batch of 500 and no grace wait.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.triage_queue import LEAD_PASSWORD, fresh_database, make_app
from complaints import cases, keys, settings
from complaints.dates import today
from complaints.db import engine_of, new_session

DESCRIPTION = "ปลัดเทศบาลรับเงินจากผู้รับเหมาเพื่อให้ผ่านการตรวจรับงานถนน " * 8


def seed(app: object, count: int) -> float:
    started = time.perf_counter()
    with app.app_context(), new_session(app) as db:  # type: ignore[attr-defined]
        recipients = keys.recipient_keys(db)
        for number in range(count):
            prepared = cases.prepare_case(
                cases.ReportContent(description=DESCRIPTION, accused_name="นาย ก"),
                cases.ReporterIdentity(name="ผู้แจ้ง", phone="0812345678"),
                [],
                recipients,
                settings.lookup_secret(),
                today(),
            )
            cases.store_case(db, prepared, "budget", "finance", "online", today(), settings.deadline_days())
            if number % 200 == 199:
                db.commit()
        db.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rotation-"))
    url = fresh_database(arguments.database_url or f"sqlite:///{folder / 'bench.sqlite3'}")
    app = make_app(url, folder)
    print(
        f"{engine_of(app).dialect.name}: filing {arguments.cases:,} cases… {seed(app, arguments.cases):.0f} s"
    )
    for kind in (keys.UNIT, keys.CUSTODIAN):
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(
            args=["keys", "rotate", kind, "lead", "--grace", "0"], input=LEAD_PASSWORD + "\n"
        )
        elapsed = time.perf_counter() - started
        if result.exit_code != 0:
            raise SystemExit(result.output)
        print(f"  keys rotate {kind}: {elapsed:.1f} s — {result.output.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
