"""Alembic's head must produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from complaints.db import engine_of
from complaints.models import Base


def test_upgrade_head_matches_models(app: Flask) -> None:
    with engine_of(app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_queue_and_statistics_indexes_exist(app: Flask) -> None:
    from sqlalchemy import inspect

    indexes = {index["name"] for index in inspect(engine_of(app)).get_indexes("cases")}
    assert {
        "ix_cases_status_deadline",
        "ix_cases_category_order",
        "ix_cases_stats_dates",
        "ix_cases_stats_intake",
        "ix_cases_stats_procedure",
    } <= indexes
    clock_indexes = {index["name"] for index in inspect(engine_of(app)).get_indexes("case_clocks")}
    assert "ix_case_clocks_stats" in clock_indexes
