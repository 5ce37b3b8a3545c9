"""`flask --app wsgi secrets rotate cookie|receipt-pepper|data`: new server secrets, nobody locked out."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from complaints import audit, config, settings
from complaints.db import new_session
from complaints.secret_rotation import SECRETS, install_config, new_settings, rotate_data_secret, stage_config

secrets_cli = AppGroup("secrets", help="The server secrets in instance/config.py.")

CONFIG_NAMES = {
    "cookie": "SECRET_KEY",
    "receipt-pepper": "RECEIPT_LOOKUP_SECRET",
    "data": "SERVER_DATA_SECRET",
}


def _rotate_in_database(name: str, values: dict[str, object]) -> list[str]:
    """The database step of a rotation (committed); lines to tell the operator."""
    app = settings.app()
    with new_session(app) as db:
        if name != "data":
            audit.record(db, "secret_rotated", audit.SYSTEM, detail=f"secret={name}")
            db.commit()
            return []
        done = rotate_data_secret(
            db,
            str(app.config["SERVER_DATA_SECRET"]).encode(),
            str(values["SERVER_DATA_SECRET"]).encode(),
            int(str(values["SERVER_DATA_SECRET_VERSION"])),
        )
        db.commit()
    lines = [f"{done.repinned} public keys re-pinned, {done.authenticators} authenticator seeds re-encrypted"]
    lines += [f"NOT re-pinned (it did not verify before): {item}" for item in done.unpinned]
    if done.voided_invitations:
        lines.append("Unused invitations voided; print new ones for: " + ", ".join(done.voided_invitations))
    return lines


@secrets_cli.command("rotate")
@click.argument("name", type=click.Choice(SECRETS))
def rotate_command(name: str) -> None:
    """Give NAME a fresh value in instance/config.py, keeping what still needs the old one working.
    Stop the service first and start it again afterwards."""
    app = settings.app()
    if f"{config.ENV_PREFIX}{CONFIG_NAMES[name]}" in os.environ:
        raise click.ClickException(
            f"{CONFIG_NAMES[name]} comes from the environment; rotate it there (README, Rotating secrets)."
        )
    values = new_settings(name, app.config)
    staged = stage_config(app.instance_path, name, values)
    try:
        lines = _rotate_in_database(name, values)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    install_config(staged)
    for line in lines:
        click.echo(line)
    click.echo(f"{CONFIG_NAMES[name]} rotated in {staged.with_name('config.py')}; start the service again.")
