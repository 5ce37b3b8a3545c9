"""Production installs come from requirements.lock with hashes: it must pin, with a hash, a
version of every dependency pyproject.toml asks for, and nothing may be left unhashed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def _locked() -> dict[str, tuple[str, int]]:
    """Each pinned package: its version and how many hashes it carries."""
    entries: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        found = PIN.match(line)
        if found:
            current = canonicalize_name(found.group(1))
            entries[current] = (found.group(2), 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def test_every_dependency_is_pinned_with_a_hash_inside_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = _locked()
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run pip-compile (README)"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} vs {spec}"
        assert hashes >= 1, name


def test_no_package_in_the_lock_file_goes_without_a_hash_or_an_index_of_this_machine() -> None:
    text = (ROOT / "requirements.lock").read_text()
    assert all(hashes >= 1 for _version, hashes in _locked().values())
    assert "file://" not in text
    assert "--find-links" not in text
    assert len(_locked()) >= 20  # the whole tree, not only the direct dependencies
