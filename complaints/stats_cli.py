"""``flask --app wsgi stats export --fy 2569 --format csv|json|xlsx [--output FILE]``: the same
figures and files as the administrator's statistics page, for scripts and the ITA upload."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from complaints import audit, exports, settings, stats
from complaints.dates import fiscal_year_of, today
from complaints.db import new_session

stats_cli = AppGroup("stats", help="Anonymised statistics.")


@stats_cli.command("export")
@click.option("--fy", "fiscal_year", type=int, default=None, help="Fiscal year in B.E. (default: this one).")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write."
)
@click.option("--lang", type=click.Choice(("th", "en")), default="th", show_default=True)
@with_appcontext
def export_command(fiscal_year: int | None, fmt: str, output: Path | None, lang: str) -> None:
    """Write one fiscal year's statistics (small cells hidden) to standard output or a file."""
    if fmt == "xlsx" and output is None:
        raise click.UsageError("an Excel workbook is not text: give --output FILE")
    year = fiscal_year or fiscal_year_of(today())
    if not 2400 <= year <= 2700:
        raise click.BadParameter("give the fiscal year in the Buddhist era, e.g. 2569", param_hint="--fy")
    app = settings.app()
    with new_session(app) as db, force_locale(lang):
        figures = stats.compute(db, year, today(), settings.counting_rule(), settings.statistics_codes())
        body = exports.export(figures, fmt)
        audit.record(db, "statistics_exported", audit.STAFF, None, None, f"fy={year} format={fmt} cli=1")
        db.commit()
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    output.write_bytes(body)
    click.echo(f"wrote {output} ({len(body)} bytes)", err=True)
