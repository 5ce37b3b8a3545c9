#!/bin/sh
# Sets up and runs every check: virtual environment, packages, lint, types, tests on SQLite,
# then again on PostgreSQL when COMPLAINTS_TEST_DATABASE_URL names a server.
# Usage (from the repository root): sh tests/run.sh [extra pytest arguments]
set -eu
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "is ignored" || true

# The browser tests drive Debian's chromium (never a downloaded browser) with Thai fonts; the PDF
# tests render pages to PNG with poppler's pdftoppm.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/tlwg ] || ! command -v pdftoppm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium, Thai fonts and poppler-utils from Debian (about a minute)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg poppler-utils >/dev/null
    else
        echo "NOTE: chromium, fonts-thai-tlwg or poppler-utils missing; browser and PDF-image tests will be skipped."
        echo "      Install them with: sudo apt-get install chromium fonts-thai-tlwg poppler-utils"
    fi
fi
# axe-core for the accessibility scan, from the npm registry.
if [ ! -f tests/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
    npm install --prefix tests --no-audit --no-fund --silent >/dev/null 2>&1 || echo "NOTE: npm install of axe-core failed; the accessibility scan will be skipped."
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format would change files: run .venv/bin/ruff format ."; exit 1; }
echo "== mypy --strict"
.venv/bin/mypy --strict complaints

echo "== tests on SQLite"
env -u COMPLAINTS_TEST_DATABASE_URL .venv/bin/python -m pytest "$@"

if [ -n "${COMPLAINTS_TEST_DATABASE_URL:-}" ]; then
    echo "== tests on PostgreSQL ($COMPLAINTS_TEST_DATABASE_URL)"
    .venv/bin/python -m pytest -m "not browser" "$@"
else
    echo "NOTE: COMPLAINTS_TEST_DATABASE_URL is not set; the PostgreSQL run was skipped."
fi
