"""``flask --app wsgi retention list | approve | purge [--dry-run]``: the destruction of concluded
files past their retention period, as a committee approves it (:mod:`complaints.retention`)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from complaints import retention, settings
from complaints.dates import today, utcnow
from complaints.db import new_session

retention_cli = AppGroup("retention", help="Destroying concluded files past their retention period.")


@retention_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Draw up the destruction list of every case now due, for the committee to approve."""
    app = settings.app()
    years = settings.retention_years()
    with new_session(app) as db:
        drawn, due = retention.draw_list(db, today(), years)
        db.commit()
        click.echo(f"destruction list {drawn.id}, drawn on {drawn.drawn_on.isoformat()}: {len(due)} cases")
        click.echo("case number\treceived\tclosed\tfinal status\tretention ended")
        for case in due:
            closed = case.closed_on.isoformat() if case.closed_on else ""
            fields = (
                case.number,
                case.submitted_on.isoformat(),
                closed,
                case.status,
                f"{years[case.status]} years",
            )
            click.echo("\t".join(fields))
        if due:
            click.echo(
                f"once the committee approves: flask --app wsgi retention approve {drawn.id} --reference …"
            )


@retention_cli.command("approve")
@click.argument("list_id", type=int)
@click.option("--reference", required=True, help="The committee's order or minutes, e.g. 'คำสั่งที่ 12/2569'.")
@with_appcontext
def approve_command(list_id: int, reference: str) -> None:
    """Record that the committee approved destruction list LIST_ID."""
    with new_session(settings.app()) as db:
        try:
            retention.approve(db, list_id, reference, utcnow())
        except retention.RetentionRefused as refusal:
            message = {
                "no_such_list": "there is no such list",
                "already_done": "that list was approved already",
            }
            raise click.ClickException(message[refusal.reason]) from refusal
        db.commit()
    click.echo(f"list {list_id} approved; destroy its cases with: flask --app wsgi retention purge")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be destroyed; destroy nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Destroy the cases of every approved list (those on hold since are kept and named)."""
    app = settings.app()
    with new_session(app) as db:
        done = retention.purge(
            db, settings.upload_dir(), today(), utcnow(), settings.retention_years(), dry_run
        )
    verb = "would destroy" if dry_run else "destroyed"
    if not done:
        click.echo("no approved destruction list is waiting")
    for result in done:
        click.echo(f"list {result.list_id}: {verb} {len(result.numbers)} cases and {result.files} files")
        for number in result.numbers:
            click.echo(f"  {number}")
        for number in result.held:
            click.echo(f"  kept (on hold or reopened since the list was drawn): {number}")
