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

# With a PostgreSQL server named, the two passes run side by side (each pytest uses one core), each
# with its own Redis database and temporary folder; their reports are printed one after the other.
if [ -z "${COMPLAINTS_TEST_DATABASE_URL:-}" ]; then
    echo "== tests on SQLite"
    .venv/bin/python -m pytest "$@"
    echo "NOTE: COMPLAINTS_TEST_DATABASE_URL is not set; the PostgreSQL run was skipped."
    exit 0
fi
scratch=$(mktemp -d)
redis_pg="${COMPLAINTS_TEST_REDIS_URL:-}"
case "$redis_pg" in
    redis://*/[0-9]*) redis_pg="${redis_pg%/*}/$(( ${redis_pg##*/} == 12 ? 11 : 12 ))" ;;
    redis://*) redis_pg="${redis_pg%/}/12" ;;
esac
echo "== tests on SQLite and on PostgreSQL ($COMPLAINTS_TEST_DATABASE_URL), side by side"
env -u COMPLAINTS_TEST_DATABASE_URL .venv/bin/python -m pytest --basetemp="$scratch/sqlite" "$@" \
    >"$scratch/sqlite.log" 2>&1 &
sqlite_pid=$!
pg_status=0
COMPLAINTS_TEST_REDIS_URL="$redis_pg" .venv/bin/python -m pytest -m "not browser" \
    --basetemp="$scratch/postgres" "$@" >"$scratch/postgres.log" 2>&1 || pg_status=$?
sqlite_status=0
wait "$sqlite_pid" || sqlite_status=$?
echo "== tests on SQLite"
cat "$scratch/sqlite.log"
echo "== tests on PostgreSQL ($COMPLAINTS_TEST_DATABASE_URL)"
cat "$scratch/postgres.log"
rm -rf "$scratch"
[ "$sqlite_status" = 0 ] && [ "$pg_status" = 0 ]
