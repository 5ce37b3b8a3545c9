"""The layers run one way and stay readable: checked on the source, so a change that breaks the
map fails here instead of in a reviewer's head."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "complaints"
MODULE_LINES_MAX = 400
FUNCTION_LINES_MAX = 60
# (importing area, areas it must never import)
FORBIDDEN = [
    ("complaints.admin", ("complaints.staff", "complaints.cli")),
    ("complaints.public", ("complaints.staff", "complaints.admin", "complaints.cli")),
    ("complaints.followup", ("complaints.staff", "complaints.admin", "complaints.cli")),
    ("complaints.staff", ("complaints.admin", "complaints.cli")),
    ("complaints.workspace", ("complaints.staff", "complaints.admin", "complaints.cli")),
    ("complaints.reporting", ("complaints.staff", "complaints.admin", "complaints.public", "complaints.cli")),
    ("complaints.cases", ("complaints.staff", "complaints.admin", "complaints.public", "complaints.cli")),
]
# Only this module may import the cryptography library.
CRYPTO_MODULE = "complaints.crypto"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, area: str) -> bool:
    return name == area or name.startswith(area + ".")


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[name for name, _ in _modules()])
def test_layers_run_one_way(module: str, path: Path) -> None:
    imported = _imports(path)
    for area, forbidden in FORBIDDEN:
        if _within(module, area):
            broken = sorted(name for name in imported for other in forbidden if _within(name, other))
            assert not broken, f"{module} imports {broken}"
    if module != CRYPTO_MODULE:
        assert not any(_within(name, "cryptography") for name in imported), module


def test_only_the_app_factory_imports_the_cli() -> None:
    importers = [
        name for name, path in _modules() if any(_within(i, "complaints.cli") for i in _imports(path))
    ]
    assert importers == ["complaints"]


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[name for name, _ in _modules()])
def test_modules_and_functions_stay_small(module: str, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MODULE_LINES_MAX, module
    assert source.startswith('"""'), f"{module} has no one-line docstring"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= FUNCTION_LINES_MAX, f"{module}.{node.name} is {length} lines"


def test_the_checks_see_the_whole_package() -> None:
    names = {name for name, _ in _modules()}
    assert {"complaints.cases.filing", "complaints.workspace.access", "complaints.staff.case_routes"} <= names
