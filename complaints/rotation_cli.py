"""`flask --app wsgi keys rotate unit|custodian USERNAME`: a holder rotates an organisation key."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from complaints import crypto, keys, settings
from complaints.cases import rotation
from complaints.db import new_session
from complaints.models import StaffUser


def _unlock(username: str, password: str) -> tuple[StaffUser, bytes]:
    with new_session(settings.app()) as db:
        user = db.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None or user.disabled:
            raise click.ClickException("Unknown or disabled account.")
        try:
            return user, keys.unlock_personal_key(user, password, settings.argon2_params())
        except (keys.WrongPassword, keys.KeyringError, crypto.CryptoError) as error:
            raise click.ClickException("The password is wrong.") from error


@click.command("rotate")
@click.argument("kind", type=click.Choice(rotation.ROTATABLE))
@click.argument("username")
@click.option("--batch", default=500, show_default=True, help="Case keys re-sealed per commit.")
@click.option(
    "--grace",
    default=5.0,
    show_default=True,
    help="Seconds to wait after the switch for requests that read the old key, before the sweep.",
)
@with_appcontext
def rotate_command(kind: str, username: str, batch: int, grace: float) -> None:
    """Read USERNAME's password on stdin; give the KIND key a new keypair, re-seal every case to it
    and retire the old one. Run it again to resume an interrupted rotation."""
    password = sys.stdin.readline().rstrip("\r\n")
    user, personal = _unlock(username, password)
    started = time.monotonic()
    with new_session(settings.app()) as db:
        holder = db.get_one(StaffUser, user.id)
        try:
            rotating = rotation.start(db, kind, holder, personal)
        except (rotation.RotationRefused, keys.KeyringError, crypto.CryptoError) as error:
            raise click.ClickException(f"Cannot rotate the {kind} key: {error}.") from error
        others = [other.username for other in rotation.holders(db, rotating.old) if other.id != holder.id]
        if rotating.rotation.switched_at is None:
            count = rotation.reseal_batches(
                db, rotating, batch, lambda done: click.echo(f"re-sealed {done} case keys", err=True)
            )
            references = rotation.switch(db, rotating, holder)
            click.echo(f"switched: {count} case keys and {references} references re-sealed")
            time.sleep(max(0.0, grace))
        late = rotation.sweep(db, rotating)
    seconds = time.monotonic() - started
    click.echo(
        f"The {kind} key is now {rotating.new.key_id}; the old key opens nothing "
        f"({late} late copies re-sealed, {seconds:.1f} s)."
    )
    if others:
        click.echo(
            "They held the old key: grant them the new one in person (Keys page, fingerprint compared): "
            + ", ".join(others)
        )
