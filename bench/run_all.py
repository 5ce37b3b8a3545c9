"""Every benchmark in one command, into one results file with the machine noted.

    python bench/run_all.py                      # the full sizes: about 40-60 minutes on 2 cores
    python bench/run_all.py --quick              # smaller sizes, a few minutes: to try the command
    python bench/run_all.py --only queue,pages   # some of the steps (names as in STEPS)
    python bench/run_all.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432

Each benchmark runs in a process of its own (its memory and imports are its own), prints its table
as it goes, and hands its figures back as ``RESULT`` lines (bench/results.py). The file written
(bench/RESULTS.md unless --output says otherwise) starts with the machine and its load, then the
goals of issue 13 with the figure measured against each, then every figure, then each
benchmark's own output. The bare Flask + SQLAlchemy endpoint runs inside the throughput and
statistics steps, in the same run and with the same server settings, so those figures are ratios.
PostgreSQL steps use databases named bench_* on the server given (created and emptied again).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import PREFIX, parse  # noqa: E402

PYTHON = sys.executable
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Step:
    """One benchmark run: its script and arguments at full and at quick size."""

    name: str
    title: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    postgres: bool = False


STEPS = (
    Step("crypto", "Crypto costs", ("bench/crypto_costs.py",), ("bench/crypto_costs.py",)),
    Step("pages", "Weight of every public page", ("bench/page_weights.py",), ("bench/page_weights.py",)),
    Step(
        "throughput",
        "Submissions per second beside the bare endpoint (PostgreSQL, gunicorn 2 x 4)",
        (
            "bench/throughput.py",
            "--database-url",
            "{pg}/bench_throughput",
            "--seconds",
            "5",
            "--rounds",
            "3",
            "--clients",
            "1,4,16",
        ),
        (
            "bench/throughput.py",
            "--database-url",
            "{pg}/bench_throughput",
            "--seconds",
            "2",
            "--rounds",
            "1",
            "--clients",
            "1,4",
        ),
        postgres=True,
    ),
    Step(
        "submission",
        "Submission and follow-up log-in, server time",
        ("bench/submission.py", "30"),
        ("bench/submission.py", "8"),
    ),
    Step(
        "submission_costs",
        "Where a submission's time goes (in-process, PostgreSQL)",
        ("bench/submission_costs.py", "--database-url", "{pg}/bench_costs", "--runs", "300"),
        ("bench/submission_costs.py", "--database-url", "{pg}/bench_costs", "--runs", "50"),
        postgres=True,
    ),
    Step(
        "upload_memory",
        "Worker memory during a 200 MB upload",
        ("bench/upload_memory.py", "0", "0", "200"),
        ("bench/upload_memory.py", "0", "20"),
    ),
    Step(
        "concurrent_memory",
        "Worker memory under 4 concurrent submissions",
        ("bench/concurrent_memory.py", "4", "5"),
        ("bench/concurrent_memory.py", "4", "2"),
    ),
    Step(
        "queue_sqlite",
        "Triage queue and case page, SQLite",
        ("bench/triage_queue.py", "--runs", "30"),
        ("bench/triage_queue.py", "--cases", "5000", "--runs", "5"),
    ),
    Step(
        "queue_postgres",
        "Triage queue and case page, PostgreSQL",
        ("bench/triage_queue.py", "--runs", "30", "--database-url", "{pg}/bench_queue"),
        ("bench/triage_queue.py", "--cases", "5000", "--runs", "5", "--database-url", "{pg}/bench_queue"),
        postgres=True,
    ),
    Step(
        "stats_sqlite",
        "One fiscal year's statistics, SQLite",
        ("bench/stats_year.py",),
        ("bench/stats_year.py", "--cases", "20000", "--runs", "3"),
    ),
    Step(
        "stats_postgres",
        "One fiscal year's statistics, PostgreSQL",
        ("bench/stats_year.py", "--database-url", "{pg}/bench_stats"),
        ("bench/stats_year.py", "--cases", "20000", "--runs", "3", "--database-url", "{pg}/bench_stats"),
        postgres=True,
    ),
)

# (what issue 13 asks, the figure's key, the bound, whether the figure must stay at or below it)
GOALS = (
    ("full text submission, 1 client, ≥ 0.5 × bare", "throughput.text.c1.ratio", 0.5, False),
    ("full text submission, 4 clients, ≥ 0.5 × bare", "throughput.text.c4.ratio", 0.5, False),
    ("full text submission, 16 clients, ≥ 0.5 × bare", "throughput.text.c16.ratio", 0.5, False),
    ("triage queue p95 ≤ 50 ms, every view and deep page, SQLite", "queue.sqlite.p95_max", 50.0, True),
    (
        "triage queue p95 ≤ 50 ms, every view and deep page, PostgreSQL",
        "queue.postgresql.p95_max",
        50.0,
        True,
    ),
    ("worker peak memory ≤ 128 MiB, 4 concurrent submissions", "memory.concurrent4.peak", 128.0, True),
    ("every public page's HTML ≤ 25 KB", "pages.heaviest_html", 25.0, True),
    ("one year's statistics ≤ 5 s, SQLite", "stats.sqlite.compute", 5.0, True),
    ("one year's statistics ≤ 2 s, PostgreSQL", "stats.postgresql.compute", 2.0, True),
)


def machine(postgres: str) -> list[str]:
    """What the figures were measured on, as Markdown list items."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit or 'unknown'}",
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory}; {platform.platform()}",
        f"- Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}",
        f"- PostgreSQL: {postgres or 'not used'}",
        f"- load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def postgres_version(url: str) -> str:
    """The server's version, or '' when it cannot be reached (its steps are then skipped)."""
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(f"{url}/postgres", pool_pre_ping=True)
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar())
        engine.dispose()
        return version
    except Exception as error:  # any failure means the server is not there to use
        print(f"PostgreSQL at {url} is not reachable ({type(error).__name__}); its steps are skipped")
        return ""


def run_step(step: Step, quick: bool, postgres: str) -> tuple[str, float, int]:
    """Run one benchmark, echoing its output; (output, seconds, exit status)."""
    arguments = [part.replace("{pg}", postgres) for part in (step.quick if quick else step.full)]
    print(f"\n=== {step.name}: {' '.join(arguments)}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, *arguments], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    for line in process.stdout or ():
        print(line, end="", flush=True)
        lines.append(line)
    status = process.wait()
    return "".join(lines), time.monotonic() - started, status


def goals_table(figures: dict[str, tuple[float, str]]) -> list[str]:
    """Each goal of issue 13 beside the figure measured for it."""
    rows = ["| goal | measured | met |", "|---|---:|---|"]
    for title, key, bound, at_most in GOALS:
        if key not in figures:
            rows.append(f"| {title} | not measured | – |")
            continue
        value, unit = figures[key]
        met = value <= bound if at_most else value >= bound
        rows.append(f"| {title} | {value:.3g} {unit} | {'yes' if met else '**no**'} |")
    return rows


def report(
    header: list[str], figures: dict[str, tuple[float, str]], outputs: list[tuple[Step, str, float, int]]
) -> str:
    """The whole results file."""
    parts = [
        "# Benchmark results (`python bench/run_all.py`)",
        "",
        *header,
        "",
        "## Goals",
        "",
        *goals_table(figures),
    ]
    parts += ["", "## Every figure", "", "| figure | value | unit |", "|---|---:|---|"]
    parts += [f"| {key} | {value:.4g} | {unit} |" for key, (value, unit) in sorted(figures.items())]
    for step, output, seconds, status in outputs:
        shown = "\n".join(line for line in output.splitlines() if not line.startswith(PREFIX)).strip()
        failed = "" if status == 0 else f" — **exited with status {status}**"
        body = [shown] if "|---" in shown else ["```text", shown, "```"]  # its own tables, or plain text
        parts += ["", f"## {step.title} ({seconds:.0f} s){failed}", "", *body]
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: minutes, not an hour")
    parser.add_argument("--only", default="", help="comma-separated step names")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a server URL without a database name")
    parser.add_argument(
        "--output", default="", help="the results file (default bench/RESULTS.md, or RESULTS-quick.md)"
    )
    args = parser.parse_args()
    chosen = {name for name in args.only.split(",") if name}
    unknown = chosen - {step.name for step in STEPS}
    if unknown:
        parser.error(f"no such step: {', '.join(sorted(unknown))}")
    version = postgres_version(args.postgres)
    header = machine(f"{version} at {args.postgres}" if version else "")
    header.append(
        f"- sizes: {'quick (--quick): not the figures the goals are about' if args.quick else 'full'}"
    )
    outputs, figures = [], {}
    for step in STEPS:
        if (chosen and step.name not in chosen) or (step.postgres and not version):
            continue
        output, seconds, status = run_step(step, args.quick, args.postgres)
        outputs.append((step, output, seconds, status))
        figures.update(parse(output))
    header.append(f"- load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    target = (
        Path(args.output)
        if args.output
        else ROOT / "bench" / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    )
    target.write_text(report(header, figures, outputs), encoding="utf-8")
    print(f"\nwritten: {target}")
    print("\n".join(goals_table(figures)))
    sys.exit(1 if any(status for *_, status in outputs) else 0)


if __name__ == "__main__":
    main()
