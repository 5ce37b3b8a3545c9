"""Time the triage queue with 100 000 cases, and opening a case with 5 attachments.

    python bench/triage_queue.py                                   # SQLite in a temporary folder
    python bench/triage_queue.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/complaints_bench
    python bench/triage_queue.py --instance /tmp/queue-bench --skip-case-page   # seed once, reuse after

Seeds the cases by bulk insert of metadata rows with dummy ciphertext (the queue never decrypts),
in a realistic shape: five fiscal years, old cases mostly closed, open ones with deadlines around
today, some assigned, a few with unread reporter messages, and exclusions for the timed user.
Then logs the legal lead in and times each queue view through Flask's test client (the whole
request in-process: routing, session check, SQL, template), reporting median and p95 server time
and the number of SQL statements the page ran, for every filter and sort the queue offers, on
pages 1, 10, 100 and the last (reached the way a person does: by following the pager's links).
Finally files one real case with five 1 MB encrypted attachments and times its case page (HPKE
unseal, decryption of report, names, messages and notes, the audit write) and one download.
PostgreSQL databases named in --database-url are dropped and re-created, unless --instance names
a folder seeded by an earlier run (its secrets and the lead's TOTP seed are kept there), which is
then reused as it is. --statements prints each SQL statement of one request per view with its time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
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
from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import Engine

from bench.results import record
from complaints import cases, create_app, crypto, keys, settings
from complaints.dates import add_days, fiscal_year_of, today
from complaints.db import engine_of, new_session
from complaints.models import Case, CaseCounter, CaseExclusion, CaseReference, Message, StaffUser
from complaints.procedure import COMPLETED_STATUSES, OPEN_STATUSES
from complaints.references import reference_digest
from complaints.storage import EncryptedUpload
from tests.conftest import LEAD_PASSWORD, staff_login

OPEN = sorted(OPEN_STATUSES)
CLOSED = sorted(COMPLETED_STATUSES)
CATEGORIES = ["public_property", "budget", "procurement", "abuse_of_power", "bribery", "other"]
DEPARTMENTS = ["office_of_clerk", "finance", "engineering", "public_health", "education", "other"]
CHUNK = 5_000
# Letter numbers recorded for every 50th case: "ที่ มท 0808/<case id>".
REFERENCE_PREFIX = "ที่ มท 0808/"


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


def bench_config(url: str, instance: Path) -> dict[str, Any]:
    """The app's settings for a bench run (fresh secrets; fast Argon2)."""
    return {
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


def make_app(url: str, instance: Path, config: dict[str, Any] | None = None) -> Flask:
    """An app on ``url`` with the schema, keys and a lead account (``init``)."""
    config = config or bench_config(url, instance)
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


def case_row(index: int, rng: random.Random, now: date, serials: dict[int, int]) -> dict[str, Any]:
    """One case's metadata: older cases are mostly closed, open ones carry a deadline."""
    age_days = int(rng.triangular(0, 5 * 365, 0))
    submitted = now - timedelta(days=age_days)
    open_probability = 0.95 if age_days < 30 else 0.5 if age_days < 180 else 0.04
    is_open = rng.random() < open_probability
    status = rng.choice(OPEN) if is_open else rng.choice(CLOSED)
    deadline = add_days(submitted, rng.randint(7, 240)) if is_open else None
    fiscal_year = fiscal_year_of(submitted)
    serials[fiscal_year] = serials.get(fiscal_year, 0) + 1
    return {
        "uid": f"bench-{index}",
        # Real case numbers, so that the search box finds them as typed (2570-123, 25700123, ...).
        "number": f"{fiscal_year}-{serials[fiscal_year]:04d}",
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
        # A few reports about an executive (most long since routed outside and moved on).
        "routed_outside": rng.random() < 0.003,
        "reporter_protected": False,
        "identity_shared": False,
    }


def seed(app: Flask, count: int) -> tuple[int, float]:
    """Bulk-insert ``count`` cases (plus counters, messages, references and exclusions); returns
    the lead's id."""
    rng = random.Random(2569)
    now = today()
    started = time.perf_counter()
    serials: dict[int, int] = {}
    with new_session(app) as db:
        lead_id = db.scalars(select(StaffUser.id).where(StaffUser.username == "lead")).one()
        for first in range(0, count, CHUNK):
            rows = [case_row(index, rng, now, serials) for index in range(first, min(first + CHUNK, count))]
            for row in rows:
                if row["closed_on"] is None and rng.random() < 0.3:
                    row["assigned_to_id"] = lead_id
            db.execute(insert(Case), rows)
            db.commit()
        for fiscal_year, last_number in serials.items():
            db.merge(CaseCounter(fiscal_year=fiscal_year, last_number=last_number))
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
        with app.app_context():
            key = settings.reference_keys(app)[0]
        every = max(1, count // 2_000)
        db.execute(
            insert(CaseReference),
            [
                {"case_id": case_id, "digest": reference_digest(f"{REFERENCE_PREFIX}{case_id}", key)}
                for case_id in range(1, count + 1, every)
            ],
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
    """The lead, logged in; a run right after another waits for a fresh one-time code (a code
    already used is refused, as it should be)."""
    for attempt in range(2):
        client = app.test_client()
        if staff_login(client, "lead", LEAD_PASSWORD, app.config["BENCH_TOTP"]).status_code == 302:
            return client
        if attempt == 0:
            time.sleep(31 - time.time() % 30)
    raise SystemExit("log-in failed")


def timed(action: Callable[[], Any], runs: int, warmup: int = 3) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    median, p95, _ = timed_with_cpu(action, runs, warmup)
    return median, p95


def timed_with_cpu(action: Callable[[], Any], runs: int, warmup: int = 3) -> tuple[float, float, float]:
    """Median and 95th percentile of wall time, and the median CPU time of this process (which on
    SQLite includes the database's work and, unlike wall time, not other programs' load), in ms."""
    for _ in range(warmup):
        action()
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[18], statistics.median(cpu)


def get_ok(client: FlaskClient, url: str) -> Callable[[], Any]:
    def action() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        return response.data

    return action


def queue_views() -> dict[str, str]:
    """Every filter and sort the queue offers (complaints/staff/queue.py), as the URLs people use."""
    current = fiscal_year_of(today())
    return {
        "default: open, most urgent first": "/staff/",
        "open, newest first": "/staff/?sort=newest",
        "status: completed": "/staff/?status=closed",
        "status: all, newest first": "/staff/?status=all&sort=newest",
        "status: fact-finding": "/staff/?status=fact_finding",
        "status: concluded, newest first": "/staff/?status=concluded&sort=newest",
        "deadline: overdue": "/staff/?deadline=overdue",
        "deadline: due soon": "/staff/?deadline=due_soon",
        "deadline: on time": "/staff/?deadline=on_time",
        "category (kind): budget": "/staff/?category=budget",
        "department: finance + due soon": "/staff/?department=finance&deadline=due_soon",
        f"fiscal year {current - 2}, all, newest": f"/staff/?status=all&fy={current - 2}&sort=newest",
        f"category + fiscal year {current}": f"/staff/?category=budget&fy={current}",
        "assigned to me": "/staff/?mine=1",
        "assigned to me, on time, newest": "/staff/?mine=1&deadline=on_time&sort=newest",
        "search: case number typed 2570/12": f"/staff/?number={current}/12",
        "search: letter number": f"/staff/?number={REFERENCE_PREFIX}1",
        "search: digits found nowhere": "/staff/?number=99999999",
    }


_NEXT = re.compile(r'<a href="([^"]+)" rel="next"')
_LAST = re.compile(r'<a href="([^"]+)" rel="last"')
_PAGE_OF = re.compile(r"(?:page|หน้า) (\d+) (?:of|จาก) (\d+)")
PAGES = (1, 10, 100)


def _unescaped(href: str) -> str:
    return href.replace("&amp;", "&").replace("&#43;", "+")


def page_urls(client: FlaskClient, first: str) -> dict[str, str]:
    """Pages 1, 10, 100 and the last of a view, reached by following its pager links (a cursor
    or a page number, whichever the queue gives); the pages a view does not have are left out."""
    found = {"1": first}
    url, page = first, 1
    html = client.get(url).text
    shown = _PAGE_OF.search(html)
    last_page = int(shown.group(2)) if shown else 1
    while page < max(PAGES) and page < last_page:
        link = _NEXT.search(html)
        if link is None:
            break
        url, page = _unescaped(link.group(1)), page + 1
        html = client.get(url).text
        if page in PAGES:
            found[str(page)] = url
    if last_page > 1:
        html = client.get(first).text
        link = _LAST.search(html)
        found[f"last ({last_page})"] = (
            _unescaped(link.group(1)) if link else f"{first}{'&' if '?' in first else '?'}page={last_page}"
        )
    return found


class StatementCounter:
    """Counts (and with ``keep`` records with their times) the SQL statements an engine runs."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.keep = False
        self.log: list[tuple[float, str]] = []
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, _connection: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if self.keep:
            self.log.append(((time.perf_counter() - self._started) * 1000, f"{statement} {parameters}"))

    def statements_of(self, action: Callable[[], Any]) -> int:
        self.count = 0
        action()
        return self.count


def time_queue(app: Flask, client: FlaskClient, runs: int, show_statements: bool, only: str = "") -> None:
    """The table: median and p95 per (view, page), and the statements the page ran."""
    counter = StatementCounter(engine_of(app))
    dialect = engine_of(app).dialect.name
    worst: list[float] = []
    print("| queue view | page | median ms | p95 ms | CPU median ms | SQL statements |")
    print("|---|---|---:|---:|---:|---:|")
    for name, first in queue_views().items():
        if only not in name:
            continue
        for page, url_path in page_urls(client, first).items():
            action = get_ok(client, url_path)
            median, p95, cpu = timed_with_cpu(action, runs)
            statements = counter.statements_of(action)
            print(f"| {name} | {page} | {median:.1f} | {p95:.1f} | {cpu:.1f} | {statements} |", flush=True)
            worst.append(p95)
            if show_statements and page == "1":
                counter.keep, counter.log = True, []
                action()
                counter.keep = False
                for milliseconds, statement in counter.log:
                    shown = " ".join(statement.split())[: int(os.environ.get("BENCH_SQL_CHARS", "400"))]
                    print(f"    {milliseconds:7.2f} ms  {shown}")
    if worst:
        record(f"queue.{dialect}.p95_max", max(worst), "ms")
        record(f"queue.{dialect}.p95_median_of_views", statistics.median(worst), "ms")
        record(f"queue.{dialect}.views_over_50ms", sum(p95 > 50 for p95 in worst), "views")


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


def prepared_app(database_url: str, instance: Path, cases_count: int) -> Flask:
    """A seeded app: reused from ``instance/bench.json`` when an earlier run left one there."""
    saved = instance / "bench.json"
    if saved.exists():
        state = json.loads(saved.read_text())
        app = create_app(state["config"], instance_path=str(instance))
        app.config["BENCH_TOTP"] = state["totp"]
        print(f"(reusing {state['cases']:,} cases seeded earlier in {state['config']['DATABASE_URL']})\n")
        return app
    url = fresh_database(database_url or f"sqlite:///{instance / 'bench.sqlite3'}")
    config = bench_config(url, instance)
    app = make_app(url, instance, config)
    _, seconds = seed(app, cases_count)
    saved.write_text(json.dumps({"config": config, "totp": app.config["BENCH_TOTP"], "cases": cases_count}))
    print(f"({cases_count:,} cases seeded in {seconds:.1f} s)\n")
    return app


def time_case_page(app: Flask, client: FlaskClient, runs: int) -> None:
    """Opening a real case with five 1 MB attachments, and downloading one."""
    number = file_case_with_attachments(app, 5, 1024 * 1024)
    page = f"/staff/cases/{number}"
    median, p95 = timed(get_ok(client, page), runs)
    print("\n| case page | median ms | p95 ms |")
    print("|---|---:|---:|")
    print(f"| open a case with 5 attachments (1 MB each) | {median:.1f} | {p95:.1f} |")
    dialect = engine_of(app).dialect.name
    record(f"casepage.{dialect}.median", median, "ms")
    record(f"casepage.{dialect}.p95", p95, "ms")
    html = client.get(page).text
    first_file = html.split(f"{page}/files/", 1)[1].split('"', 1)[0]
    median, p95 = timed(get_ok(client, f"{page}/files/{first_file}"), max(10, runs // 5))
    print(f"| download one 1 MB attachment (decrypting stream) | {median:.1f} | {p95:.1f} |")
    record(f"download.{dialect}.median", median, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--instance", default="", help="a folder to seed once and reuse on later runs")
    parser.add_argument("--skip-case-page", action="store_true", help="time the queue only")
    parser.add_argument("--statements", action="store_true", help="print page 1's SQL with times")
    parser.add_argument("--only", default="", help="only the views whose name contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(args.instance or Path(folder) / "instance")
        instance.mkdir(parents=True, exist_ok=True)
        app = prepared_app(args.database_url, instance, args.cases)
        client = logged_in(app)
        gc.collect()  # as a gunicorn worker does once it has loaded the app (complaints/gunicorn_conf.py)
        gc.freeze()
        print(f"## {engine_of(app).dialect.name}: {args.runs} timed requests per page\n")
        time_queue(app, client, args.runs, args.statements, args.only)
        if not args.skip_case_page:
            time_case_page(app, client, args.runs)
        engine_of(app).dispose()
    if args.database_url and not args.instance:
        fresh_database(args.database_url)  # leave an empty database behind, not 100 000 rows


if __name__ == "__main__":
    main()
