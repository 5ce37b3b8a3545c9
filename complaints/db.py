"""The database engine and the per-request session; transactions are committed by callers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Dialect, Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "complaints.db"


def _private_sqlite_files(url: str) -> None:
    """The database file (and so its -wal and -shm, which SQLite creates with the same mode) is
    readable by the app's user only: ciphertext still says which cases exist and when."""
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    database = Path(path)
    if database.parent.exists() and not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for existing in (database, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if existing.exists():
            existing.chmod(0o600)


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs for concurrent use."""
    if url.startswith("sqlite"):
        _private_sqlite_files(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        # Again once SQLite has created the file (the instance folder may not have existed yet).
        event.listen(engine, "connect", lambda _connection, _record: _private_sqlite_files(url))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=10)
    event.listen(engine, "connect", _note_returned)
    event.listen(engine, "checkin", _note_returned)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


# A pooled connection unused for longer than this is tested before it is handed out; one used more
# recently is not: under load every submission would otherwise pay a round trip for it. A dead one
# found so drops the whole pool (every connection older than it is replaced). What the window
# leaves: a backend killed within half a second of its connection's last use fails that
# connection's next request with the database-outage page (the report's text kept), once per pool.
PING_AFTER_IDLE_SECONDS = 0.5


def _note_returned(_dbapi_connection: Any, record: Any) -> None:
    record.info["returned_at"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """SQLAlchemy's pre-ping, for connections idle a while: a dead one makes the pool start again."""

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("returned_at", 0.0) <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure of the ping means: use other connections
            raise exc.InvalidatePoolError("the pooled connection no longer answers") from error
        if not alive:
            raise exc.InvalidatePoolError("the pooled connection no longer answers")

    return check


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take over transaction control from pysqlite so BEGIN IMMEDIATE can be issued below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted pages are overwritten, so old ciphertext rows do not linger in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


READ_ONLY = "complaints_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    # A transaction that reads then writes must hold the write lock from the start, or a
    # concurrent writer makes it fail at once with SQLITE_BUSY instead of waiting. A connection
    # opened with the READ_ONLY execution option only reads: it takes no lock, so several of them
    # (the statistics' scans) run side by side.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Create the engine and session factory for ``app`` and close sessions after requests."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine_of(app: Flask) -> Engine:
    """The engine bound to ``app``."""
    factory: sessionmaker[Session] = app.extensions[_EXTENSION]
    bind: Engine = factory.kw["bind"]
    return bind


def new_session(app: Flask | None = None) -> Session:
    """A fresh session outside the request cycle (CLI, background work, tests)."""
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    return factory()


def session() -> Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        g.db_session = new_session()
    current: Session = g.db_session
    return current


def _close_session(_exc: BaseException | None) -> None:
    current: Session | None = g.pop("db_session", None)
    if current is not None:
        current.close()
