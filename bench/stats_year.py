"""Time one fiscal year's full statistics over 1 000 000 cases (goal: ≤ 2 s PostgreSQL, ≤ 5 s SQLite).

    python bench/stats_year.py                                     # SQLite in a temporary folder
    python bench/stats_year.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/complaints_bench
    python bench/stats_year.py --cases 200000 --years 5            # spread over five fiscal years
    python bench/stats_year.py --reuse --database-url sqlite:////tmp/stats-bench-…/bench.sqlite3
    python bench/stats_year.py --reuse --database-url sqlite:////tmp/stats-bench-…/bench.sqlite3

Seeds metadata-only case rows (the statistics never decrypt) with two deadline clocks each, in a
realistic mix of statuses, outcomes and codes, by bulk insert; then times, in the same run:

* ``stats.compute`` for the fiscal year (every ITA total, breakdown, duration and clock share);
* the administrator's ``/admin/statistics.json`` through Flask's test client (the whole request);
* a bare Flask + SQLAlchemy endpoint doing the simplest useful query over the same rows (received
  per month of the year), so the figures can be read as ratios on any machine.

PostgreSQL databases named in --database-url are dropped and re-created.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics as pystats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import create_engine, extract, func, insert, select, text

from bench.results import record
from bench.triage_queue import fresh_database, make_app
from complaints import create_app, settings, stats
from complaints.dates import fiscal_year_bounds, today
from complaints.db import engine_of, new_session
from complaints.models import Case, CaseClock
from tests.conftest import OFFICER_PASSWORD, create_staff, staff_login

CHUNK = 20_000
CATEGORIES = ["public_property", "budget", "procurement", "abuse_of_power", "bribery", "other"]
DEPARTMENTS = ["office_of_clerk", "finance", "engineering", "public_health", "education", "other"]
CHANNELS = ["online", "online", "online", "letter", "walk_in", "phone", "complaint_box", "damrongdhama"]
STATUSES = [
    ("concluded", 30),
    ("not_accepted", 15),
    ("referred", 10),
    ("screening", 10),
    ("fact_finding", 10),
    ("disciplinary_investigation", 8),
    ("penalty_ordered", 5),
    ("appeal", 2),
    ("received", 10),
]
PENALTIES = ["probation", "salary_deduction", "salary_reduction", "discharge", "dismissal", "waived_warning"]


def _case_rows(count: int, years: list[int], seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    names, weights = zip(*STATUSES, strict=True)
    for serial in range(count):
        year = years[serial % len(years)]
        first, _last = fiscal_year_bounds(year)
        submitted = first + timedelta(days=rng.randrange(365))
        status = rng.choices(names, weights)[0]
        closed = (
            submitted + timedelta(days=rng.randrange(5, 200))
            if status in ("concluded", "not_accepted", "referred")
            else None
        )
        founded = status in ("penalty_ordered", "appeal") or (status == "concluded" and rng.random() < 0.4)
        yield {
            "uid": f"b{serial}",
            "number": f"{year}-{serial:07d}",
            "fiscal_year": year,
            "channel": rng.choice(CHANNELS),
            "category": rng.choice(CATEGORIES),
            "department": rng.choice(DEPARTMENTS),
            "disclosure": "anonymous",
            "status": status,
            "submitted_on": submitted,
            "acknowledged_on": submitted + timedelta(days=rng.randrange(0, 9)),
            "closed_on": closed,
            "not_accepted_reason": "insufficient_detail" if status == "not_accepted" else None,
            "referred_to": rng.choice(["nacc", "pacc", "district"]) if status == "referred" else None,
            "finding": "founded" if founded else ("unfounded" if status == "concluded" else None),
            "penalty": rng.choice(PENALTIES) if founded else None,
            "criminal_referral": rng.random() < 0.02,
            "receipt_lookup": serial.to_bytes(32, "big"),
            "reporter_salt": b"s",
            "report_ciphertext": b"c",
            "routed_outside": False,
            "reporter_protected": False,
            "identity_shared": False,
        }


def seed(app: Flask, count: int, years: list[int]) -> float:
    """Insert the cases and two clocks for each; returns the seconds it took."""
    started = time.perf_counter()
    engine = engine_of(app)
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection:
        first_id = (connection.execute(select(func.coalesce(func.max(Case.id), 0))).scalar_one() or 0) + 1
    for row in _case_rows(count, years, 7):
        batch.append(row)
        if len(batch) == CHUNK:
            first_id = _insert(engine, batch, first_id)
            batch = []
    if batch:
        _insert(engine, batch, first_id)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":  # index-only scans need the visibility map autovacuum keeps
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def _insert(engine: Any, rows: list[dict[str, Any]], first_id: int) -> int:
    for offset, row in enumerate(rows):
        row["id"] = first_id + offset
    clocks = []
    for row in rows:
        for clock, days in (("acknowledge", 7), ("first_feedback", 15)):
            state = "met" if (row["id"] * 7 + days) % 10 < 8 else "missed"
            clocks.append(
                {
                    "case_id": row["id"],
                    "clock": clock,
                    "started_on": row["submitted_on"],
                    "due_on": row["submitted_on"] + timedelta(days=days),
                    "state": state,
                    "fiscal_year": row["fiscal_year"],
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(Case), rows)
        connection.execute(insert(CaseClock), clocks)
    return first_id + len(rows)


def reuse_app(url: str, instance: Path) -> Flask:
    """An app on a database an earlier run seeded (no ``init``: its keys are not needed to count)."""
    app = make_app(f"sqlite:///{instance / 'scratch.sqlite3'}", instance)
    app.config["DATABASE_URL"] = url
    return create_app({**app.config}, instance_path=str(instance))


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def bare_app(url: str) -> Flask:
    """The baseline: Flask and SQLAlchemy alone, one endpoint, one grouped query."""
    engine = create_engine(url)
    app = Flask("bare")

    @app.get("/received/<int:year>")
    def received(year: int) -> dict[str, int]:
        month = extract("month", Case.submitted_on)
        with engine.connect() as connection:
            rows = connection.execute(
                select(month, func.count()).where(Case.fiscal_year == year).group_by(month)
            ).all()
        return {str(int(m)): int(n) for m, n in rows}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=1, help="fiscal years the cases are spread over")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="time a database seeded by an earlier run")
    arguments = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    url = arguments.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
    app = reuse_app(url, instance) if arguments.reuse else make_app(fresh_database(url), instance)
    year = 2569
    years = [year - index for index in range(arguments.years)]
    name = engine_of(app).dialect.name
    if not arguments.reuse:
        print(f"{name}: seeding {arguments.cases:,} cases over {len(years)} fiscal year(s)…")
        print(f"  seeded in {seed(app, arguments.cases, years):.1f} s")
    rule, codes = settings.counting_rule(app), settings.statistics_codes(app)

    def compute() -> object:
        with app.app_context(), new_session(app) as db:
            return stats.compute(db, year, today(), rule, codes)

    compute()  # warm the caches once, as a running server would be
    direct = timed(compute, arguments.runs)
    admin = f"bench-admin-{os.getpid()}"
    secret = create_staff(app, admin, "admin")
    client = app.test_client()
    if staff_login(client, admin, OFFICER_PASSWORD, secret).status_code != 302:
        raise SystemExit("the administrator could not log in")
    through_app = timed(lambda: client.get(f"/admin/statistics.json?fy={year}"), arguments.runs)
    bare = bare_app(url).test_client()
    baseline = timed(lambda: bare.get(f"/received/{year}"), arguments.runs)
    in_year = arguments.cases // len(years)
    print(f"  one fiscal year ({in_year:,} cases, {2 * in_year:,} clocks), median of {arguments.runs}:")
    print(f"    stats.compute              {pystats.median(direct):.2f} s")
    print(f"    /admin/statistics.json     {pystats.median(through_app):.2f} s")
    print(f"    bare Flask + SQLAlchemy    {pystats.median(baseline):.2f} s  (received per month only)")
    print(f"    ratio app / bare           {pystats.median(through_app) / pystats.median(baseline):.1f}")
    record(f"stats.{name}.compute", pystats.median(direct), "s")
    record(f"stats.{name}.json", pystats.median(through_app), "s")
    record(f"stats.{name}.bare", pystats.median(baseline), "s")


if __name__ == "__main__":
    main()
