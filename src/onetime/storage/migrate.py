"""Schema migrations with Alembic, run from code (no alembic.ini to find)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from onetime.storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on every start."""
    with db.engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def revision(db: Database, message: str) -> None:
    """Autogenerate a migration from the difference between schema.py and `db`."""
    with db.engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
