"""Alembic migrations, run by `flask init` and the tests through :func:`upgrade`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from complaints.db import engine_of

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(app: Flask) -> Config:
    """An Alembic config that runs against the app's engine (Alembic, about 10 MiB, is loaded by
    the commands that migrate, never in a serving worker)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["engine"] = engine_of(app)
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(app), revision)
