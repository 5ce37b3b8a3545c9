"""``flask --app wsgi backup create PATH`` and ``backup restore PATH`` (DESIGN §6)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from complaints import audit, backup, migrations, settings
from complaints.db import engine_of, new_session

backup_cli = AppGroup("backup", help="One archive of the database and the encrypted uploads.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def create_command(path: Path) -> None:
    """Write a consistent archive of the database and the uploads to PATH (only ciphertext and
    public metadata: keep instance/config.py and the recovery code elsewhere)."""
    app = settings.app()
    try:
        summary = backup.create(engine_of(app), settings.upload_dir(app), path)
    except backup.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    cases = summary.tables.get("cases", 0)
    click.echo(
        f"wrote {path}: {cases} cases, {summary.files} files, {summary.size} bytes in {summary.seconds:.1f} s"
    )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Bring PATH up on a fresh install that has only the old instance/config.py (no init)."""
    app = settings.app()
    engine = engine_of(app)
    if not backup.is_empty(engine):
        raise click.ClickException("this database already holds accounts or cases: restore into a fresh one")
    migrations.upgrade(app)
    try:
        manifest = backup.load(engine, settings.upload_dir(app), path)
    except backup.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    with new_session(app) as db:
        marker = audit.record_restore(db)
        db.commit()
        click.echo(f"restored {path} (made {manifest['created_at']}); audit entry {marker.id} says so")
    click.echo("next: flask --app wsgi keys check, and flask --app wsgi audit verify")
