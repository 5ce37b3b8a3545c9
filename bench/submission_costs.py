"""Where each millisecond of a citizen's submission goes: `python bench/submission_costs.py`.

    python bench/submission_costs.py                       # PostgreSQL at the default address
    python bench/submission_costs.py --database-url sqlite:////tmp/costs.sqlite3 --runs 300

Initialises a fresh instance like a deployment (`flask init`: production key-derivation costs),
then files text-only reports in-process through Flask's test client (GET /report, then POST it),
with a timer around each stage of the work and around every SQL statement, and prints the wall
time each takes per submission, nested as they call each other. The same two requests against the
bare endpoint (bench/bare/app.py) on the same database server come last, for the floor. What the
HTTP server adds (gunicorn, sockets, the client) is in bench/throughput.py, not here.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.liveserver import PASSWORD, report_fields  # noqa: E402
from bench.results import record  # noqa: E402
from bench.triage_queue import fresh_database  # noqa: E402
from tests.gunicorn_server import initialise, server_env  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_costs"
# (depth, label, module, attribute): each stage's time includes the stages indented below it.
STAGES = (
    (0, "POST /report, in the app and the test client", "", ""),
    (
        1,
        "checks before the views (GET and POST): limits, CSRF, parsing",
        "flask.app",
        "Flask.preprocess_request",
    ),
    (2, "multipart parsing (Werkzeug)", "werkzeug.formparser", "MultiPartParser.parse"),
    (1, "the views (GET and POST)", "flask.app", "Flask.dispatch_request"),
    (2, "form built", "complaints.public.routes", "ReportForm"),
    (2, "form validated", "flask_wtf.form", "FlaskForm.validate_on_submit"),
    (2, "report filed", "complaints.reporting.filing", "file_report"),
    (3, "organisation keys read and their pins checked", "complaints.keys", "recipient_keys"),
    (3, "keys, receipt and encryption (no database)", "complaints.cases", "prepare_case"),
    (4, "receipt stretch (Argon2id)", "complaints.crypto", "stretch_receipt"),
    (4, "HPKE seals of the case key", "complaints.crypto", "seal"),
    (3, "rows inserted (case, keys, clocks, audit)", "complaints.cases", "store_case"),
    (4, "audit entry and case number (chain head, counter)", "complaints.cases.filing", "_record_and_number"),
    (5, "audit entry (chain head locked; with the number on PostgreSQL)", "complaints.audit", "record"),
    (3, "commit", "complaints.storage", "commit_with_files"),
    (2, "accepted report spends the hourly limit (Redis)", "complaints.security", "spend_accepted_form"),
    (2, "receipt page rendered", "complaints.public.routes", "render_template"),
    (1, "responses (GET and POST): session cookie, headers", "flask.app", "Flask.process_response"),
    (1, "every rate-limit count (Redis), in the rows above", "complaints.security", "_count"),
)


class Timers:
    """Wall time per label, summed over the timed submissions."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.active = False

    def wrap(self, label: str, module: str, attribute: str) -> None:
        owner: Any = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - started)

        setattr(owner, name, timed)

    def add(self, label: str, seconds: float) -> None:
        if self.active:
            self.seconds[label] += seconds
            self.calls[label] += 1


def new_instance(url: str) -> Path:
    """A fresh instance initialised by `flask init`, its environment set for this process."""
    instance = Path(tempfile.mkdtemp(prefix="bench-costs-"))
    env = server_env(
        instance,
        0,
        1,
        1,
        {
            "COMPLAINTS_DATABASE_URL": url,
            "COMPLAINTS_RATELIMIT_REPORT_POSTS": "1000000 per hour",
            "COMPLAINTS_RATELIMIT_REPORT": "1000000 per hour",
        },
    )
    initialise(instance, PASSWORD, env)
    os.environ.update(env)
    return instance


def _statement_label(statement: str) -> str:
    """``INSERT INTO cases``, ``SELECT FROM org_keys``: enough to tell the statements apart."""
    words = statement.split()
    if words[0] == "SELECT":
        found = re.search(r"\bFROM (\w+)", statement)
        return "SELECT FROM " + (found.group(1) if found else "?")
    return " ".join(words[:3])


def submit(app: Any, timers: Timers) -> None:
    """One browser's GET and POST of a text-only report."""
    browser = app.test_client()
    started = time.perf_counter()
    token = CSRF.search(browser.get("/report").text)
    timers.add("GET /report, in the app and the test client", time.perf_counter() - started)
    if token is None:
        raise RuntimeError("the form holds no CSRF token")
    started = time.perf_counter()
    answer = browser.post("/report", data=report_fields(token.group(1)), content_type="multipart/form-data")
    timers.add(STAGES[0][1], time.perf_counter() - started)
    if answer.status_code != 200:
        raise RuntimeError(f"the report was refused with {answer.status_code}")


def time_ours(url: str, runs: int) -> Timers:
    """Stage times of ``runs`` submissions to this channel."""
    new_instance(url)
    from complaints import create_app
    from complaints.db import engine_of

    app = create_app(instance_path=os.environ["COMPLAINTS_INSTANCE"])
    timers = Timers()
    for _depth, label, module, attribute in STAGES:
        if module:
            timers.wrap(label, module, attribute)
    with app.app_context():
        engine = engine_of(app)
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _started(connection: Any, *_args: Any) -> None:
        connection.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _ended(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        timers.add(
            "SQL: " + _statement_label(statement),
            time.perf_counter() - connection.info["started"],
        )

    for _ in range(30):  # warm-up: imports, connections, prepared statements, the kept form page
        submit(app, timers)
    gc.collect()  # as a gunicorn worker does once it has loaded the app (complaints/gunicorn_conf.py)
    gc.freeze()
    timers.active = True
    for _ in range(runs):
        submit(app, timers)
    return timers


def time_bare(url: str, runs: int) -> tuple[float, float]:
    """Median-free mean wall time of the bare endpoint's GET and POST, in ms."""
    sys.path.insert(0, str(ROOT / "bench" / "bare"))
    os.environ["BARE_DATABASE_URL"] = url
    os.environ["BARE_UPLOAD_DIR"] = tempfile.mkdtemp(prefix="bench-bare-")
    bare = importlib.import_module("app").create_app()
    totals = [0.0, 0.0]
    for round_ in range(30 + runs):
        browser = bare.test_client()
        started = time.perf_counter()
        browser.get("/report")
        middle = time.perf_counter()
        browser.post("/report", data=report_fields("x"), content_type="multipart/form-data")
        if round_ >= 30:
            totals[0] += middle - started
            totals[1] += time.perf_counter() - middle
    return totals[0] / runs * 1000, totals[1] / runs * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    timers = time_ours(fresh_database(args.database_url), args.runs)
    print(f"## Where a submission's time goes ({args.runs} text-only reports, in-process)\n")
    print("| stage | ms per submission | calls |\n|---|---:|---:|")
    for depth, label, _module, _attribute in STAGES:
        ms = timers.seconds[label] / args.runs * 1000
        print(f"| {'· ' * depth}{label} | {ms:.2f} | {timers.calls[label] / args.runs:g} |")
        record("costs." + re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40], ms, "ms")
    get_label = "GET /report, in the app and the test client"
    print(f"| {get_label} | {timers.seconds[get_label] / args.runs * 1000:.2f} | 1 |")
    print("\n| SQL statement | ms per submission | per submission |\n|---|---:|---:|")
    for label in sorted(
        (key for key in timers.seconds if key.startswith("SQL: ")), key=lambda key: -timers.seconds[key]
    ):
        ms, calls = timers.seconds[label] / args.runs * 1000, timers.calls[label] / args.runs
        print(f"| `{label[5:]}` | {ms:.2f} | {calls:g} |")
    bare_get, bare_post = time_bare(fresh_database(args.database_url + "_bare"), args.runs)
    print(
        f"\nbare endpoint, same database server and test client: GET {bare_get:.2f}, POST {bare_post:.2f} ms"
    )
    record("costs.bare_get", bare_get, "ms")
    record("costs.bare_post", bare_post, "ms")


if __name__ == "__main__":
    main()
