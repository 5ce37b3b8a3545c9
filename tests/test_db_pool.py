"""Pooled PostgreSQL connections (complaints/db.py): one that sat idle is tested before use, so a
server restart or a killed backend costs no request; one used a moment ago is not, so a
submission under load does not pay a round trip for the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from complaints import db as database
from tests.conftest import POSTGRES_URL, throwaway_database


@pytest.fixture
def engine(tmp_path: Any) -> Iterator[Engine]:
    if not POSTGRES_URL:  # the SQLite pass: an embedded database has no pool to test
        pytest.skip(
            "pooled server connections are tested in the PostgreSQL pass (COMPLAINTS_TEST_DATABASE_URL)"
        )
    with throwaway_database(tmp_path) as url:
        made = database.make_engine(url)
        try:
            yield made
        finally:
            made.dispose()


def _backend_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("select pg_backend_pid()")).scalar_one())


def _kill(engine: Engine, pid: int) -> None:
    killer = create_engine(engine.url)
    try:
        with killer.connect() as other:
            assert other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        killer.dispose()


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def test_an_idle_connection_whose_backend_died_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kill(engine, _backend_of(engine))
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled one counts as idle
    pings = _pings(engine, monkeypatch)
    assert _backend_of(engine) > 0  # answered, by a new backend
    assert [getattr(connection, "broken", None) for connection in pings] == [True, False]  # then its new one


def test_without_the_test_a_dead_pooled_connection_fails_its_request(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the test above: what the ping saves the request from."""
    _kill(engine, _backend_of(engine))
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with pytest.raises(exc.OperationalError):
        _backend_of(engine)
    assert _backend_of(engine) > 0  # the pool was dropped with it: the next request gets a new one


def test_a_connection_used_a_moment_ago_is_not_tested_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_of(engine)  # a new connection counts as just used
    pings = _pings(engine, monkeypatch)
    assert [_backend_of(engine) for _ in range(5)] == [first] * 5
    assert pings == []
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_of(engine) == first
    assert len(pings) == 1


def test_one_dead_connection_found_replaces_every_older_one(engine: Engine) -> None:
    """A server restart kills every backend at once: finding one dead drops the whole pool, so a
    connection returned a moment before the restart is not handed out dead."""
    first, second = engine.connect(), engine.connect()
    backends = [
        connection.execute(text("select pg_backend_pid()")).scalar_one() for connection in (first, second)
    ]
    first.close()
    second.close()
    for pid in backends:
        _kill(engine, pid)
    oldest, _recent = list(cast(Any, engine.pool)._pool.queue)
    oldest.info["returned_at"] -= 10 * database.PING_AFTER_IDLE_SECONDS  # only this one counts as idle
    answered = [_backend_of(engine), _backend_of(engine)]
    assert not set(answered) & set(backends)
