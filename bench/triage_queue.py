"""Time the triage queue with 100 000 cases, and opening a case with 5 attachments.

    python bench/triage_queue.py                                   # SQLite in a temporary folder
    python bench/triage_queue.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/complaints_bench

Seeds the cases by bulk insert of metadata rows with dummy ciphertext (the queue never decrypts),
in a realistic shape: five fiscal years, old cases mostly closed, open ones with deadlines around
today, some assigned, a few with unread reporter messages, and exclusions for the timed user.
Then logs the legal lead in and times each queue view through Flask's test client (the whole
request in-process: routing, session check, SQL, template), reporting median and p95 server time.
Finally files one real case with five 1 MB encrypted attachments and times its case page (HPKE
unseal, decryption of report, names, messages and notes, the audit write) and one download.
PostgreSQL databases named in --database-url are dropped and re-created.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, insert, select, text

from complaints import cases, create_app, crypto, keys, settings
from complaints.dates import add_days, fiscal_year_of, today
from complaints.db import engine_of, new_session
from complaints.models import Case, CaseCounter, CaseExclusion, Message, StaffUser
from complaints.procedure import COMPLETED_STATUSES, OPEN_STATUSES
from complaints.storage import EncryptedUpload
from tests.conftest import LEAD_PASSWORD, csrf_token_from, totp_now

OPEN = sorted(OPEN_STATUSES)
CLOSED = sorted(COMPLETED_STATUSES)
CATEGORIES = ["public_property", "budget", "procurement", "abuse_of_power", "bribery", "other"]
DEPARTMENTS = ["office_of_clerk", "finance", "engineering", "public_health", "education", "other"]
CHUNK = 5_000


def fresh_database(url: str) -> str:
    """Drop and re-create a PostgreSQL database; SQLite URLs are used as they are."""
    if not url.startswith("postgresql"):
        return url
    base, name = url.rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


def make_app(url: str, instance: Path) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,  # allows the fast Argon2 below: log-in cost is not what is measured
        "SECRET_KEY": crypto.random_token(32),
        "RECEIPT_LOOKUP_SECRET": crypto.random_token(32),
        "SERVER_DATA_SECRET": crypto.random_token(32),
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(instance / "uploads"),
        "ARGON2_MEMORY_KIB": 1024,
        "ARGON2_ITERATIONS": 1,
        "RECEIPT_ARGON2_MEMORY_KIB": 1024,
        "RECEIPT_ARGON2_ITERATIONS": 1,
    }
    app = create_app(config, instance_path=str(instance))
    result = app.test_cli_runner().invoke(
        args=["init", "--lead", "lead", "--password-stdin"], input=LEAD_PASSWORD + "\n"
    )
    if result.exit_code != 0:
        raise SystemExit(result.output)
    app.config["BENCH_TOTP"] = next(
        line.split(": ")[1] for line in result.output.splitlines() if line.startswith("totp-secret")
    )
    return app


def case_row(index: int, rng: random.Random, now: date) -> dict[str, Any]:
    """One case's metadata: older cases are mostly closed, open ones carry a deadline."""
    age_days = int(rng.triangular(0, 5 * 365, 0))
    submitted = now - timedelta(days=age_days)
    open_probability = 0.95 if age_days < 30 else 0.5 if age_days < 180 else 0.04
    is_open = rng.random() < open_probability
    status = rng.choice(OPEN) if is_open else rng.choice(CLOSED)
    deadline = add_days(submitted, rng.randint(7, 240)) if is_open else None
    fiscal_year = fiscal_year_of(submitted)
    return {
        "uid": f"bench-{index}",
        "number": f"{fiscal_year}-B{index:06d}",
        "fiscal_year": fiscal_year,
        "channel": "online" if rng.random() < 0.8 else "letter",
        "category": rng.choice(CATEGORIES),
        "department": rng.choice(DEPARTMENTS),
        "disclosure": "anonymous",
        "status": status,
        "submitted_on": submitted,
        "acknowledged_on": submitted,
        "closed_on": None if is_open else add_days(submitted, rng.randint(10, 200)),
        "next_deadline_on": deadline,
        "next_deadline_kind": "first_feedback" if is_open else None,
        "assigned_to_id": None,
        "receipt_lookup": os.urandom(32),
        "reporter_salt": os.urandom(16),
        "report_ciphertext": os.urandom(rng.randint(400, 1600)),
        "criminal_referral": False,
        "routed_outside": False,
        "reporter_protected": False,
        "identity_shared": False,
    }


def seed(app: Flask, count: int) -> tuple[int, float]:
    """Bulk-insert ``count`` cases (plus counters, messages and exclusions); returns the lead's id."""
    rng = random.Random(2569)
    now = today()
    started = time.perf_counter()
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        for first in range(0, count, CHUNK):
            rows = [case_row(index, rng, now) for index in range(first, min(first + CHUNK, count))]
            for row in rows:
                if row["closed_on"] is None and rng.random() < 0.3:
                    row["assigned_to_id"] = lead_id
            db.execute(insert(Case), rows)
            db.commit()
        for fiscal_year in range(fiscal_year_of(now - timedelta(days=5 * 365)), fiscal_year_of(now) + 1):
            db.merge(CaseCounter(fiscal_year=fiscal_year, last_number=count))
        ids = db.scalars(select(Case.id).order_by(Case.id.desc()).limit(2_000)).all()
        db.execute(
            insert(Message),
            [
                {
                    "uid": f"bench-message-{case_id}",
                    "case_id": case_id,
                    "author": "reporter",
                    "sent_on": now,
                    "read_by_staff": False,
                    "body_ciphertext": os.urandom(200),
                }
                for case_id in ids[::4]
            ],
        )
        excluded = rng.sample(list(ids), 20)
        db.execute(
            insert(CaseExclusion),
            [{"case_id": case_id, "user_id": lead_id, "reason": "conflict"} for case_id in excluded],
        )
        db.commit()
    analyse(app)
    return lead_id, time.perf_counter() - started


def analyse(app: Flask) -> None:
    """Statistics for the planner, as autovacuum / a routine ANALYZE would have them."""
    engine = engine_of(app)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").text)
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "username": "lead",
            "password": LEAD_PASSWORD,
            "totp": totp_now(app.config["BENCH_TOTP"]),
        },
    )
    if response.status_code != 302:
        raise SystemExit("log-in failed")
    return client


def timed(action: Callable[[], Any], runs: int, warmup: int = 3) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[18]


def get_ok(client: FlaskClient, url: str) -> Callable[[], Any]:
    def action() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        return response.data

    return action


def queue_views(app: Flask) -> dict[str, str]:
    current = fiscal_year_of(today())
    return {
        "default (open, most urgent first)": "/staff/",
        "all statuses, newest first": "/staff/?status=all&sort=newest",
        "overdue only": "/staff/?deadline=overdue",
        f"category + fiscal year {current}": f"/staff/?category=budget&fy={current}",
        "department + due soon": "/staff/?department=finance&deadline=due_soon",
        "assigned to me": "/staff/?mine=1",
        "completed, page 100": "/staff/?status=closed&sort=newest&page=100",
        "all, page 2000 (deep offset)": "/staff/?status=all&sort=newest&page=2000",
    }


def file_case_with_attachments(app: Flask, count: int, size: int) -> str:
    """A real encrypted case with ``count`` attachments of ``size`` bytes, a message and a note."""
    evidence = []
    for index in range(count):
        upload = EncryptedUpload(Path(app.config["UPLOAD_DIR"]), int(app.config["MAX_ATTACHMENT_BYTES"]))
        upload.write(os.urandom(size))
        upload.finish()
        evidence.append(
            cases.EvidenceFile(
                upload=upload, filename=f"หลักฐาน-{index + 1}.pdf", content_type="application/pdf"
            )
        )
    with app.app_context(), new_session(app) as db:
        content = cases.ReportContent(description="รายละเอียด " * 300, accused_name="นายสมมติ", location="ตลาด")
        prepared = cases.prepare_case(
            content, None, evidence, keys.recipient_keys(db), settings.lookup_secret(app), today()
        )
        case = cases.store_case(
            db, prepared, "budget", "finance", "online", today(), app.config["DEADLINE_DAYS"]
        )
        db.flush()
        content_key = cases.unlock_by_receipt(db, prepared.receipt, settings.lookup_secret(app))[1].content
        cases.add_message(db, case, content_key, cases.REPORTER, "ข้อมูลเพิ่มเติม " * 50, today())
        db.commit()
        for upload in prepared.uploads:
            upload.promote()
        return case.number


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        url = fresh_database(args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}")
        app = make_app(url, instance)
        _, seconds = seed(app, args.cases)
        client = logged_in(app)
        backend = engine_of(app).dialect.name
        print(
            f"## {backend}: {args.cases:,} cases seeded in {seconds:.1f} s; "
            f"{args.runs} timed requests per view\n"
        )
        print("| queue view | median ms | p95 ms |")
        print("|---|---:|---:|")
        for name, url_path in queue_views(app).items():
            median, p95 = timed(get_ok(client, url_path), args.runs)
            print(f"| {name} | {median:.1f} | {p95:.1f} |")
        number = file_case_with_attachments(app, 5, 1024 * 1024)
        page = f"/staff/cases/{number}"
        median, p95 = timed(get_ok(client, page), args.runs)
        print("\n| case page | median ms | p95 ms |")
        print("|---|---:|---:|")
        print(f"| open a case with 5 attachments (1 MB each) | {median:.1f} | {p95:.1f} |")
        html = client.get(page).text
        first_file = html.split(f"{page}/files/", 1)[1].split('"', 1)[0]
        median, p95 = timed(get_ok(client, f"{page}/files/{first_file}"), max(10, args.runs // 5))
        print(f"| download one 1 MB attachment (decrypting stream) | {median:.1f} | {p95:.1f} |")
        engine_of(app).dispose()
    if args.database_url:
        fresh_database(args.database_url)  # leave an empty database behind, not 100 000 rows


if __name__ == "__main__":
    main()
