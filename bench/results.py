"""The one figure a benchmark hands to ``bench/run_all.py``: a ``RESULT key value unit`` line.

Each benchmark still prints its own table for people; these lines are what the summary table and
its goals are built from, so a changed table layout cannot silently drop a figure."""

from __future__ import annotations

PREFIX = "RESULT"


def record(key: str, value: float, unit: str) -> None:
    """Print one figure for the summary (``key`` without spaces, e.g. ``queue.sqlite.p95_max``)."""
    if " " in key or " " in unit:
        raise ValueError(f"a result key or unit holds a space: {key!r} {unit!r}")
    print(f"{PREFIX} {key} {value:.6g} {unit}", flush=True)


def parse(output: str) -> dict[str, tuple[float, str]]:
    """Every figure a benchmark's output recorded, by key (a later line wins)."""
    found: dict[str, tuple[float, str]] = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == PREFIX:
            found[parts[1]] = (float(parts[2]), parts[3])
    return found
