"""The receipt stretch is versioned per case: raising or lowering its cost, or rotating the pepper,
never strands a receipt already handed out; a cost someone wrote into the database is bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from complaints import create_app, crypto
from complaints.cases import receipt_costs
from complaints.config import ConfigurationError
from complaints.db import new_session
from complaints.models import Case
from tests.conftest import log_in_reporter, receipt_from, submit_report

WRONG = "1111 2222 3333 4444 5555"


@pytest.fixture
def argon2_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The memory (KiB) of every Argon2id run, in order."""
    runs: list[int] = []
    original = crypto._argon2id

    def counted(params: crypto.Argon2Params, *args: Any, **kwargs: Any) -> bytes:
        runs.append(params.memory_kib)
        return original(params, *args, **kwargs)

    monkeypatch.setattr(crypto, "_argon2id", counted)
    receipt_costs.forget_schemes()
    yield runs
    receipt_costs.forget_schemes()


def file_receipt(app: Flask) -> str:
    return receipt_from(submit_report(app.test_client()).text)


def opens(app: Flask, receipt: str) -> bool:
    response = log_in_reporter(app.test_client(), receipt)
    assert response.status_code in (302, 422), response.status_code
    return response.status_code == 302


def costs(app: Flask) -> list[tuple[int | None, int | None]]:
    with new_session(app) as db:
        return [
            (memory, passes)
            for memory, passes in db.execute(
                select(Case.receipt_memory_kib, Case.receipt_iterations).order_by(Case.id)
            ).all()
        ]


def test_a_case_records_the_cost_its_receipt_was_stretched_with(app: Flask) -> None:
    file_receipt(app)
    app.config["RECEIPT_ARGON2_MEMORY_KIB"] = 2048
    app.config["RECEIPT_ARGON2_ITERATIONS"] = 2
    file_receipt(app)
    assert costs(app) == [(1024, 1), (2048, 2)]


def test_receipts_filed_before_a_cost_change_still_open(app: Flask, argon2_runs: list[int]) -> None:
    cheap = file_receipt(app)
    app.config["RECEIPT_ARGON2_MEMORY_KIB"] = 2048
    dear = file_receipt(app)
    argon2_runs.clear()
    assert opens(app, dear)
    assert argon2_runs == [2048]  # the current cost first: one stretch for a current receipt
    argon2_runs.clear()
    assert opens(app, cheap)
    assert argon2_runs == [2048, 1024]
    argon2_runs.clear()
    assert not opens(app, WRONG)
    assert argon2_runs == [2048, 1024]  # a wrong receipt does the work of every cost in use


def test_receipts_without_a_recorded_cost_use_the_legacy_cost(app: Flask, argon2_runs: list[int]) -> None:
    receipt = file_receipt(app)
    with new_session(app) as db:  # as every case filed before migration 0014 is
        db.execute(update(Case).values(receipt_memory_kib=None, receipt_iterations=None))
        db.commit()
    app.config["RECEIPT_ARGON2_MEMORY_KIB"] = 4096
    assert opens(app, receipt)
    assert argon2_runs[-2:] == [4096, 1024]
    app.config["RECEIPT_ARGON2_LEGACY_MEMORY_KIB"] = 2048  # a wrong legacy cost finds nothing
    assert not opens(app, receipt)


def test_a_pepper_rotation_and_a_cost_change_combine(app: Flask) -> None:
    before = file_receipt(app)
    retired = app.config["RECEIPT_LOOKUP_SECRET"]
    app.config.update(
        RECEIPT_LOOKUP_SECRET=crypto.random_token(32),
        RECEIPT_PEPPER_VERSION=2,
        RECEIPT_LOOKUP_SECRETS_RETIRED={1: retired},
        RECEIPT_ARGON2_MEMORY_KIB=2048,
    )
    after = file_receipt(app)
    assert opens(app, before)
    assert opens(app, after)
    app.config["RECEIPT_LOOKUP_SECRETS_RETIRED"] = {}
    assert not opens(app, before)  # without its pepper an old receipt is unknown, never a 500
    assert opens(app, after)


def test_a_cost_written_into_the_database_is_bounded(app: Flask, argon2_runs: list[int]) -> None:
    kept = file_receipt(app)
    forged = file_receipt(app)
    with new_session(app) as db:
        db.execute(
            update(Case)
            .where(Case.id == db.scalars(select(Case.id).order_by(Case.id.desc())).first())
            .values(receipt_memory_kib=1024 * 1024 * 1024, receipt_iterations=1000)
        )
        db.commit()
    argon2_runs.clear()
    assert not opens(app, WRONG)  # the absurd cost is never run: no log-in that takes minutes
    assert argon2_runs == [1024]
    assert opens(app, kept)
    assert opens(app, forged)  # the receipt, not the column, finds the case


def test_the_cost_bounds_are_inclusive_and_tight(app: Flask, argon2_runs: list[int]) -> None:
    for memory, passes in ((8, 16), (1024, 17), (7, 1)):
        file_receipt(app)
        with new_session(app) as db:
            last = db.scalars(select(Case).order_by(Case.id.desc())).first()
            assert last is not None
            last.receipt_memory_kib, last.receipt_iterations = memory, passes
            db.commit()
    argon2_runs.clear()
    assert not opens(app, WRONG)
    assert sorted(argon2_runs) == [8, 1024]  # 8 KiB × 16 passes is in bounds; 17 passes and 7 KiB are not


def test_at_most_six_costs_are_tried(app: Flask, argon2_runs: list[int]) -> None:
    for memory in range(1100, 1900, 100):  # eight forged costs beside the current one
        file_receipt(app)
        with new_session(app) as db:
            last = db.scalars(select(Case).order_by(Case.id.desc())).first()
            assert last is not None
            last.receipt_memory_kib = memory
            db.commit()
    argon2_runs.clear()
    assert not opens(app, WRONG)
    assert argon2_runs == [1024, 1100, 1200, 1300, 1400, 1500]  # current, then the cheapest five


def test_production_refuses_a_receipt_cost_below_the_minimum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {name: "s" * 40 for name in ("SECRET_KEY", "RECEIPT_LOOKUP_SECRET", "SERVER_DATA_SECRET")}
    config = {"TESTING": False, "DATABASE_URL": "sqlite://", **secrets}
    monkeypatch.setenv("COMPLAINTS_RECEIPT_ARGON2_MEMORY_KIB", "4095")
    with pytest.raises(ConfigurationError, match="RECEIPT_ARGON2_MEMORY_KIB"):
        create_app(config, instance_path=str(tmp_path))
    monkeypatch.setenv("COMPLAINTS_RECEIPT_ARGON2_MEMORY_KIB", "4096")
    assert create_app(config, instance_path=str(tmp_path)).config["RECEIPT_ARGON2_MEMORY_KIB"] == 4096


@pytest.mark.parametrize(
    ("memory", "passes", "bounded"),
    [
        (8, 1, True),
        (1024 * 1024, 16, True),  # 1 GiB: the most a log-in may be made to spend
        (1024 * 1024 + 1, 1, False),
        (4 * 1024 * 1024, 1, False),
        (7, 1, False),
        (1024, 0, False),
        (1024, 17, False),
    ],
)
def test_the_bounds_on_a_cost_from_the_database(memory: int, passes: int, bounded: bool) -> None:
    """Checked without running them: a 4 GiB stretch is never tried, however it got into a row."""
    assert receipt_costs._bounded(receipt_costs.ReceiptScheme(1, memory, passes)) is bounded


def test_the_newest_pepper_is_tried_first(app: Flask) -> None:
    for version in (1, 2):
        file_receipt(app)
        with new_session(app) as db:
            last = db.scalars(select(Case).order_by(Case.id.desc())).first()
            assert last is not None
            last.pepper_version = version
            db.commit()
    app.config["RECEIPT_PEPPER_VERSION"] = 3
    receipt_costs.forget_schemes()
    with app.app_context(), new_session(app) as db:
        tried = [scheme.pepper_version for scheme in receipt_costs.schemes_in_use(db)]
    assert tried == [3, 2, 1]


def test_the_schemes_in_use_are_read_again_after_a_while(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker filing under a new cost is seen within CACHE_SECONDS, not never."""
    clock = [1000.0]
    monkeypatch.setattr(receipt_costs.time, "monotonic", lambda: clock[0])
    receipt_costs.forget_schemes()
    file_receipt(app)
    with app.app_context(), new_session(app) as db:
        assert len(receipt_costs.schemes_in_use(db)) == 1
        db.execute(update(Case).values(receipt_memory_kib=2048))  # as if filed under another cost
        db.commit()
        clock[0] += receipt_costs.CACHE_SECONDS / 2
        assert len(receipt_costs.schemes_in_use(db)) == 1  # still cached
        clock[0] += receipt_costs.CACHE_SECONDS
        assert [scheme.memory_kib for scheme in receipt_costs.schemes_in_use(db)] == [1024, 2048]
    receipt_costs.forget_schemes()
