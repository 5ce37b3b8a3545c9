"""Command-line tasks: `flask --app wsgi init | users | keys | audit | storage ...`."""

from __future__ import annotations

import secrets
import sys
import time

import click
from flask import Config, Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints import (
    alerts,
    audit,
    cases,
    config,
    crypto,
    keys,
    migrations,
    passwords,
    pins,
    settings,
    storage,
)
from complaints.backup_cli import backup_cli
from complaints.cases import legacy
from complaints.dates import local_day, today
from complaints.db import new_session
from complaints.models import Attachment, OrgKey, StaffUser
from complaints.notifications import notify_cli
from complaints.references import reference_digest
from complaints.retention_cli import retention_cli
from complaints.rotation_cli import rotate_command
from complaints.secrets_cli import secrets_cli
from complaints.stats_cli import stats_cli

users_cli = AppGroup("users", help="Staff accounts.")
keys_cli = AppGroup("keys", help="Organisation keys.")
audit_cli = AppGroup("audit", help="The tamper-evident audit log.")
storage_cli = AppGroup("storage", help="Encrypted evidence files.")
procedure_cli = AppGroup("procedure", help="The measure-8 procedure's records.")


def _one_time_password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))


def _read_password_stdin(roles: frozenset[str], username: str) -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 12:
        raise click.ClickException("The password must be at least 12 characters.")
    if not passwords.strong_enough(password, roles, (username,)):
        floor = passwords.required_guesses_log10(roles)
        raise click.ClickException(
            f"This password is too easy to guess (under 10^{floor:.0f} guesses) for an account that can "
            "hold a key: use a passphrase of four or five unrelated words with a number."
        )
    return password


def _ensure_secrets(app: Flask) -> None:
    """Write fresh secrets to instance/config.py (once), and use them where no later layer — the
    environment or the tests' settings — already gave one: what runs afterwards sees the same."""
    fresh = {name: secrets.token_urlsafe(48) for name in config.SECRET_NAMES}
    path = config.write_instance_config(app.instance_path, fresh)
    written = Config(app.config.root_path)
    written.from_pyfile(str(path))
    for name in config.SECRET_NAMES:
        if not config.is_real_secret(app.config.get(name)):
            app.config[name] = written[name]
    config.require_secrets(app)


FirstAccounts = list[tuple[keys.NewStaffUser, str | None]]
# Three people: the admin holds no key; the lead handles cases; the custodian alone can open
# reporters' identities, so no single account both handles and unmasks.
FIRST_ACCOUNTS = (
    ("admin", frozenset({"admin"})),
    ("lead", frozenset({"lead", "officer"})),
    ("custodian", frozenset({"custodian"})),
)


def _scripted_lead(db: Session, app: Flask, username: str, password_stdin: bool) -> FirstAccounts:
    """Scripted installs (DESIGN §6): one lead holding both keys, with a chosen password."""
    roles = frozenset({"lead", "officer", "custodian"})
    password = _read_password_stdin(roles, username) if password_stdin else _one_time_password()
    lead = keys.create_staff_user(
        db,
        username,
        roles,
        password,
        settings.argon2_params(app),
        settings.server_secret(app),
        must_change_password=not password_stdin,
    )
    return [(lead, None if password_stdin else password)]


def _three_first_accounts(db: Session, app: Flask) -> FirstAccounts:
    accounts: FirstAccounts = []
    for username, roles in FIRST_ACCOUNTS:
        password = _one_time_password()
        created = keys.create_staff_user(
            db, username, roles, password, settings.argon2_params(app), settings.server_secret(app)
        )
        accounts.append((created, password))
    return accounts


def _create_keys_and_accounts(
    db: Session, app: Flask, lead: str | None, password_stdin: bool
) -> tuple[str, FirstAccounts]:
    """The organisation keys and the first accounts holding them; returns the recovery code."""
    recovery_code, recovery_private = keys.new_recovery_code()
    keys.create_org_key_from_private(db, keys.RECOVERY, recovery_private)
    unit, unit_private = keys.create_org_key(db, keys.UNIT)
    custodian, custodian_private = keys.create_org_key(db, keys.CUSTODIAN)
    db.flush()
    accounts = _scripted_lead(db, app, lead, password_stdin) if lead else _three_first_accounts(db, app)
    db.flush()
    unit_holder, custodian_holder = (
        (accounts[0][0], accounts[0][0]) if lead else (accounts[1][0], accounts[2][0])
    )
    keys.grant_org_key(db, unit, unit_private, unit_holder.user, None, first_holder=True)
    keys.grant_org_key(db, custodian, custodian_private, custodian_holder.user, None, first_holder=True)
    audit.record(db, "initialised", audit.SYSTEM)
    return recovery_code, accounts


def _print_first_secrets(recovery_code: str, accounts: FirstAccounts) -> None:
    click.echo("Initialised.")
    click.echo("")
    click.echo("RECOVERY CODE (print it, keep it in the municipality's safe; it is shown only once):")
    click.echo(f"recovery-code: {recovery_code}")
    for account, shown_password in accounts:
        click.echo("")
        click.echo(f"account: {account.user.username} ({account.user.roles})")
        if shown_password is not None:
            click.echo(f"one-time-password: {shown_password}")
        click.echo(f"totp-secret: {crypto.base32_secret(account.totp_secret)}")


@click.command("init")
@click.option("--lead", "lead_username", help="Create this legal lead (scripted installs).")
@click.option("--password-stdin", is_flag=True, help="Read the lead's password from standard input.")
@with_appcontext
def init_command(lead_username: str | None, password_stdin: bool) -> None:
    """Create secrets, the schema, the keys and the first accounts. Safe to run twice."""
    app = settings.app()
    _ensure_secrets(app)
    settings.upload_dir(app).mkdir(parents=True, exist_ok=True, mode=0o700)
    migrations.upgrade(app)
    with new_session(app) as db:
        if keys.active_org_key(db, keys.UNIT) is not None:
            click.echo("Already initialised: nothing was changed.")
            return
        audit.open_chains(db)
        recovery_code, accounts = _create_keys_and_accounts(db, app, lead_username, password_stdin)
        db.commit()
    _print_first_secrets(recovery_code, accounts)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(keys.ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(username: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account; prints its TOTP secret (and a one-time password)."""
    app = settings.app()
    password = _read_password_stdin(frozenset(roles), username) if password_stdin else _one_time_password()
    with new_session(app) as db:
        if db.scalars(select(StaffUser).where(StaffUser.username == username)).first():
            raise click.ClickException(f"The account {username!r} already exists.")
        created = keys.create_staff_user(
            db,
            username,
            frozenset(roles),
            password,
            settings.argon2_params(app),
            settings.server_secret(app),
            must_change_password=not password_stdin,
        )
        db.flush()
        audit.record(
            db, "user_created", audit.SYSTEM, detail=f"user={created.user.id} roles={created.user.roles}"
        )
        db.commit()
    if not password_stdin:
        click.echo(f"one-time-password: {password}")
    click.echo(f"totp-secret: {crypto.base32_secret(created.totp_secret)}")


@keys_cli.command("recover")
@click.argument("username")
def recover_command(username: str) -> None:
    """Read the recovery code on stdin; make new unit and custodian keys, re-seal every case
    to them and grant them to USERNAME (for when every holder lost their password)."""
    app = settings.app()
    try:
        recovery_private = keys.recovery_private_key(sys.stdin.readline())
    except keys.KeyringError as error:
        raise click.ClickException(str(error)) from error
    with new_session(app) as db:
        recovery = keys.active_org_key(db, keys.RECOVERY)
        user = db.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if recovery is None or user is None:
            raise click.ClickException("Unknown user, or the installation is not initialised.")
        if crypto.key_id(crypto.public_key_of(recovery_private)) != recovery.key_id:
            raise click.ClickException("This is not the recovery code of this installation.")
        resealed = cases.rotate_with_recovery(db, recovery_private, user)
        audit.record(db, "keys_recovered", audit.SYSTEM, detail=f"user={user.id} cases={resealed}")
        db.commit()
    click.echo(f"New unit and custodian keys granted to {username}; {resealed} case keys re-sealed.")


@procedure_cli.command("seal-references")
@click.argument("username")
def seal_references_command(username: str) -> None:
    """Move order and reveal numbers stored in plaintext (before they were sealed) under their keys.

    Run by someone who holds the legal unit key: their password is read from standard input.
    """
    password = sys.stdin.readline().rstrip("\r\n")
    with new_session(settings.app()) as db:
        user = db.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        try:
            if user is None:
                raise keys.KeyringError("unknown user")
            personal = keys.unlock_personal_key(user, password, settings.argon2_params())
            unit_private = keys.private_key_for(db, keys.UNIT, user, personal)
        except (keys.KeyringError, keys.WrongPassword) as error:
            raise click.ClickException(
                "That account does not hold the legal unit key, or the password is wrong."
            ) from error
        key = settings.reference_key()
        sealed = legacy.seal_order_numbers(db, unit_private, lambda text: reference_digest(text, key))
        asked = legacy.seal_reveal_references(db, unit_private)
        audit.record(db, "references_sealed", audit.STAFF, user.id, None, f"steps={sealed} reveals={asked}")
        db.commit()
    click.echo(f"{sealed} order numbers and {asked} reveal references sealed under their case keys")


@keys_cli.command("pin")
def pin_command() -> None:
    """Pin every public key that has no pin yet (once, right after upgrading to pinned keys).

    It lists what it pins: compare the list with the accounts and keys you know, since a key that
    someone wrote into the database before this run would be pinned too.
    """
    with new_session(settings.app()) as db:
        pinned = [f"{row.kind} key {row.key_id}" for row in db.scalars(select(OrgKey)) if not row.pin]
        for row in db.scalars(select(OrgKey).where(OrgKey.pin.is_(None))):
            pins.pin_org_key(row)
        users = list(db.scalars(select(StaffUser).where(StaffUser.key_pin.is_(None))))
        for user in users:
            pins.pin_staff_key(user)
            pinned.append(f"account {user.username} key {user.key_id}")
        audit.record(db, "keys_pinned", audit.SYSTEM, detail=f"count={len(pinned)}")
        db.commit()
    for line in pinned:
        click.echo(f"pinned: {line}")
    click.echo(f"{len(pinned)} keys pinned")


@keys_cli.command("check")
def check_command() -> None:
    """Verify the pin of every public key in use; exit non-zero when one does not verify."""
    with new_session(settings.app()) as db:
        broken = [
            f"{row.kind} key {row.key_id}"
            for row in db.scalars(select(OrgKey).where(OrgKey.active.is_(True)))
            if not pins.org_key_verifies(row)
        ]
        broken += [
            f"account {user.username}"
            for user in db.scalars(select(StaffUser))
            if not pins.staff_key_verifies(user)
        ]
        if not broken:
            cleared = alerts.clear_key_alerts(db)
            db.commit()
            click.echo(f"every key in use verifies; {cleared} alerts cleared")
            return
    for line in broken:
        click.echo(f"does not verify: {line}", err=True)
    sys.exit(1)


@audit_cli.command("verify")
@click.option("--witness", "witnessed", multiple=True, help="A line written down from `audit witness`.")
def audit_verify_command(witnessed: tuple[str, ...]) -> None:
    """Exit non-zero if the audit log was altered (and, with --witness, if it no longer matches
    what someone wrote down earlier)."""
    with new_session(settings.app()) as db:
        problems = audit.verify(db)
        mismatched = [
            (line, audit.restore_explaining(db, line))
            for line in witnessed
            if not audit.check_witness(db, line)
        ]
    if problems:
        first = problems[0]
        click.echo(f"first bad entry: {first.entry_id} ({first.chain}): {first.reason}", err=True)
    for problem in problems[1:]:
        click.echo(f"entry {problem.entry_id} ({problem.chain}): {problem.reason}", err=True)
    for line, marker in mismatched:
        click.echo(f"does not match what was witnessed: {line}", err=True)
        if marker is not None:
            click.echo(
                f"  explained by entry {marker.id}: restored from a backup on "
                f"{local_day(marker.occurred_at).isoformat()} to {marker.detail}; what was recorded "
                "after the backup was made is lost (compare with the paper log)",
                err=True,
            )
    if problems or mismatched:
        sys.exit(1)
    click.echo("audit log intact")


@audit_cli.command("restored")
def audit_restored_command() -> None:
    """Record in the chain that the database was just restored from a backup (run it right after
    the restore, before the service takes requests again)."""
    with new_session(settings.app()) as db:
        marker = audit.record_restore(db)
        db.commit()
        click.echo(f"entry {marker.id}: restored from a backup, {marker.detail}")


@audit_cli.command("witness")
def audit_witness_command() -> None:
    """Print the log's length and fingerprint, for a paper log kept away from the server."""
    with new_session(settings.app()) as db:
        current = audit.witness(db)
    click.echo(f"{today().isoformat()} {current.line()}")


@storage_cli.command("cleanup")
@click.option("--older-than-hours", default=24.0, show_default=True)
def storage_cleanup_command(older_than_hours: float) -> None:
    """Delete encrypted files no case names: broken-off uploads and moves a crash left uncommitted."""
    with new_session(settings.app()) as db:

        def is_referenced(stored_name: str) -> bool:
            return db.scalar(select(Attachment.id).where(Attachment.stored_name == stored_name)) is not None

        removed = storage.remove_orphans(
            settings.upload_dir(), is_referenced, older_than_hours * 3600, time.time()
        )
    click.echo(f"removed {removed} files that no case names")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(init_command)
    app.cli.add_command(users_cli)
    keys_cli.add_command(rotate_command)
    app.cli.add_command(keys_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(procedure_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(secrets_cli)
