"""Mutation sensitivity of the tests: apply each hand-written mistake of tests/mutation/mutations.py
to a throwaway copy of the repository, run the test files that should notice it, and record
whether they did (killed), did not (survived) or ran out of time.

    /work/main/.venv/bin/python tests/mutation/run.py [--only SUBSTR] [--check] [--timeout S]

The working tree is never touched: complaints/, tests/ and templates/ are copied into a temporary
directory once, each mutation is written into the copy and undone in a ``finally`` block, and
pytest runs there without writing bytecode (a mutant of the same size and second as the original
must not be served from a stale .pyc). Results are merged into tests/mutation/results.json and
written out as tests/mutation/RESULTS.md. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from mutations import MUTATIONS, Mutation  # noqa: E402 - the table sits beside this script

COPIED = ("complaints", "tests", "templates", "pyproject.toml", "wsgi.py", "requirements.lock", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "node_modules", "mutation")
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
# Outside services and the long fuzz profile would make runs slow and uneven: SQLite, and the ci
# profile without shrinking.
DROPPED_ENV = ("COMPLAINTS_TEST_DATABASE_URL", "COMPLAINTS_TEST_REDIS_URL", "COMPLAINTS_FUZZ")


@dataclass(frozen=True)
class Outcome:
    """What one run of the named tests against a mutant showed."""

    result: str  # killed, survived, timeout, error, equivalent
    seconds: float
    detail: str = ""


def copy_repository(into: Path) -> None:
    """The parts of the repository the tests need, without caches."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, into / name)


def test_environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in DROPPED_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["COMPLAINTS_FUZZ"] = "mutation"  # the ci profile without shrinking (see tests/conftest.py)
    return env


def run_pytest(workdir: Path, tests: list[str], timeout: float) -> tuple[int | None, str, float]:
    """pytest -x -q on ``tests`` in ``workdir``; (return code or None on timeout, output, seconds)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=test_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group of the pytest we started, nothing else
        output, _ = process.communicate()
        return None, output, time.monotonic() - started
    return process.returncode, output, time.monotonic() - started


def first_failure(output: str) -> str:
    """The first FAILED/ERROR line of pytest's summary, shortened."""
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0].removeprefix("FAILED ").removeprefix("ERROR ")
    return output.strip().splitlines()[-1] if output.strip() else ""


def occurrences(mutation: Mutation) -> int:
    return (ROOT / mutation.file).read_text(encoding="utf-8").count(mutation.snippet)


def existing_tests(mutation: Mutation, workdir: Path = ROOT) -> list[str]:
    """The mutation's test files that exist (in the copy the run uses)."""
    return [name for name in mutation.tests if (workdir / name).exists()]


def run_mutation(mutation: Mutation, workdir: Path, timeout: float) -> Outcome:
    """Apply one mutation to the copy, run its tests, undo it."""
    count = occurrences(mutation)
    if count != 1:
        return Outcome("error", 0.0, f"snippet found {count} times in {mutation.file}")
    tests = existing_tests(mutation, workdir)
    if not tests:
        return Outcome("error", 0.0, "none of its test files exists")
    target = workdir / mutation.file
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original.replace(mutation.snippet, mutation.replacement), encoding="utf-8")
        code, output, seconds = run_pytest(workdir, tests, timeout)
    finally:
        target.write_text(original, encoding="utf-8")
    if code is None:
        return Outcome("timeout", seconds, f"no answer within {timeout:.0f} s")
    if code == 0:
        return Outcome("equivalent" if mutation.equivalent else "survived", seconds)
    if code == 1:
        return Outcome("killed", seconds, first_failure(output))
    # 2: interrupted or a collection error (the mutant does not even import), 3-5: pytest trouble.
    kind = "killed" if code == 2 else "error"
    return Outcome(kind, seconds, f"pytest exit {code}: {first_failure(output)}")


def baseline(workdir: Path, mutations: list[Mutation], timeout: float) -> None:
    """The unmutated copy must pass every test file the run uses, or no result means anything."""
    tests = sorted({name for mutation in mutations for name in existing_tests(mutation, workdir)})
    code, output, seconds = run_pytest(workdir, tests, timeout * 4)
    if code != 0:
        sys.exit(f"baseline failed ({code}) in {seconds:.0f} s:\n{output[-3000:]}")
    print(f"baseline: {len(tests)} test files pass in {seconds:.1f} s", flush=True)


def imported_package(workdir: Path) -> None:
    """Make sure the copy's own ``complaints`` package is the one its tests import."""
    found = subprocess.run(
        [sys.executable, "-c", "import complaints; print(complaints.__file__)"],
        cwd=workdir,
        env=test_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(workdir.resolve()):
        sys.exit(f"the copy imports complaints from {found}, not from {workdir}")


def load_results() -> dict[str, dict[str, object]]:
    if RESULTS_JSON.exists():
        loaded: dict[str, dict[str, object]] = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
        return loaded
    return {}


def write_results(results: dict[str, dict[str, object]]) -> None:
    known = {mutation.name for mutation in MUTATIONS}
    kept = {name: value for name, value in results.items() if name in known}
    RESULTS_JSON.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    RESULTS_MD.write_text(markdown(kept), encoding="utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: dict[str, dict[str, object]]) -> str:
    """RESULTS.md: one row per mutation in table order, then the counts."""
    rows = [
        "# Mutation sensitivity",
        "",
        "Written by `tests/mutation/run.py` (each mutation applied to a temporary copy; the named test",
        "files run with `pytest -x -q` on SQLite, ci hypothesis profile without shrinking).",
        "*killed*: a test failed;",
        "*equivalent*: survived, and no test can tell it apart (reason given). Each row is the latest",
        "run of that mutation (`--only` reruns replace their rows; tests were only added or made stricter,",
        "so a kill stays a kill).",
        "",
        "| # | mutation | file | what it breaks | result | s | killed by / why equivalent |",
        "|---|---|---|---|---|---|---|",
    ]
    counts: dict[str, int] = {}
    for number, mutation in enumerate(MUTATIONS, 1):
        found = results.get(mutation.name, {})
        result = str(found.get("result", "not run"))
        counts[result] = counts.get(result, 0) + 1
        seconds = found.get("seconds")
        note = mutation.equivalent if result == "equivalent" else str(found.get("detail", ""))
        rows.append(
            f"| {number} | `{mutation.name}` | {mutation.file} | {_cell(mutation.description)} | "
            f"{result} | {seconds if seconds is not None else ''} | {_cell(note)} |"
        )
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))
    rows += ["", f"**{len(MUTATIONS)} mutations — {summary}.**", ""]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--only",
        default="",
        help="run the mutations whose name contains this (or any of a comma-separated list)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutation")
    parser.add_argument("--check", action="store_true", help="only check every snippet occurs once")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = parser.parse_args()
    wanted = args.only.split(",")
    chosen = [mutation for mutation in MUTATIONS if any(part in mutation.name for part in wanted)]
    names = [mutation.name for mutation in MUTATIONS]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    bad = [(mutation.name, occurrences(mutation)) for mutation in chosen if occurrences(mutation) != 1]
    if duplicates or bad:
        sys.exit(f"duplicate names {duplicates}; snippets not found exactly once: {bad}")
    if args.check:
        print(f"{len(chosen)} mutations, every snippet found exactly once")
        return
    results = load_results()
    with tempfile.TemporaryDirectory(prefix="complaints-mutation-") as temporary:
        workdir = Path(temporary)
        copy_repository(workdir)
        imported_package(workdir)
        if not args.no_baseline:
            baseline(workdir, chosen, args.timeout)
        for number, mutation in enumerate(chosen, 1):
            outcome = run_mutation(mutation, workdir, args.timeout)
            results[mutation.name] = {
                "result": outcome.result,
                "seconds": round(outcome.seconds, 1),
                "detail": re.sub(r"\s+", " ", outcome.detail)[:160],
            }
            print(
                f"[{number}/{len(chosen)}] {mutation.name}: {outcome.result} "
                f"({outcome.seconds:.1f} s) {outcome.detail[:100]}",
                flush=True,
            )
            write_results(results)
    write_results(results)


if __name__ == "__main__":
    main()
