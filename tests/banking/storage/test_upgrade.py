"""A database an older onetime left at its head (banking tables in the OTP history)
upgrades cleanly: the banking history adopts the tables, keeps every row, and ends
where a fresh database does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from onetime.banking.storage.schema import metadata
from onetime.storage import migrate
from onetime.storage.database import Database

LEGACY = Path(__file__).with_name("legacy_51d58d3aba9c.py")
SITE_TABLES = ("contracts", "site_users", "branch_staff", "accounts", "transfers")


def _legacy_module():
    spec = importlib.util.spec_from_file_location("legacy_51d58d3aba9c", LEGACY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def old_db(db_url, request):
    """The test database emptied of every table, then built as at the old head."""
    if db_url.startswith("sqlite"):
        url = db_url.replace("onetime.db", "old.db")
    else:
        url = _fresh_pg(db_url, request)
    db = Database(url)
    with db.engine.begin() as conn:
        command.upgrade(migrate._config(conn), "51d58d3aba9c")  # the OTP history's old head
        legacy = _legacy_module()
        with Operations.context(MigrationContext.configure(conn)):
            legacy.upgrade()
        conn.execute(text(
            "INSERT INTO institutions (id, service_id, name, mail_sender, settings,"
            " api_key_hash, created_at, updated_at) VALUES (7, '0007', '旧信組',"
            " 'otp@old.example.jp', '{}', :key, :at, :at)"),
            {"key": bytes(32), "at": "2026-11-26 01:00:00"})
        conn.execute(text(
            "INSERT INTO contracts (id, institution_id, number, name, created_at)"
            " VALUES (3, 7, '1000001', '旧商事', '2026-11-26 01:00:00')"))
    yield db
    db.dispose()


def _fresh_pg(db_url: str, request, suffix: str = "_old") -> str:
    admin = create_engine(db_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = db_url.rsplit("/", 1)[1] + suffix
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    request.addfinalizer(drop)
    return db_url.rsplit("/", 1)[0] + "/" + name


def _banking_head() -> str:
    """The banking history's head, whichever revision it is now."""
    return ScriptDirectory.from_config(migrate._config(None, migrate.BANKING)).get_current_head()


class TestUpgradeFromTheOldHead:
    def test_the_old_head_upgrades_and_keeps_its_rows(self, old_db):
        """migrate.upgrade stamps the adopted tables, copies institutions into banks with
        their IDs, and every row is still there."""
        migrate.upgrade(old_db)
        with old_db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version_banking")) \
                .scalar_one() == _banking_head()
            # The OTP history goes on to its own head (later revisions add to it).
            assert conn.execute(text("SELECT version_num FROM alembic_version")) \
                .scalar_one() == ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head()
            assert conn.execute(text("SELECT id, service_id, name FROM banks")).all() == [
                (7, "0007", "旧信組")]
            assert conn.execute(text("SELECT id, institution_id FROM contracts")).all() == [
                (3, 7)]

    def test_the_site_tables_refer_to_banks_afterwards(self, old_db):
        """The foreign keys to the OTP service's institutions are gone, and the schema is
        the one a fresh database gets (indexes and the one-master rule included)."""
        migrate.upgrade(old_db)
        tables = inspect(old_db.engine)
        for table in SITE_TABLES:
            referred = {fk["referred_table"] for fk in tables.get_foreign_keys(table)
                        if fk["constrained_columns"] == ["institution_id"]}
            assert referred == {"banks"}, table
        with old_db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [d for d in diff if _names_site_table(d)] == []

    def test_upgrading_again_changes_nothing(self, old_db):
        """Safe on every start: a second upgrade finds nothing to do."""
        migrate.upgrade(old_db)
        migrate.upgrade(old_db)
        with old_db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM banks")).scalar_one() == 1


def _banking_head() -> str:
    """The banking history's head, whichever revision it is now."""
    from alembic.script import ScriptDirectory

    from onetime.storage.migrate import BANKING, _config
    return ScriptDirectory.from_config(_config(None, BANKING)).get_current_head()


def _names_site_table(change) -> bool:
    if isinstance(change, list):
        return any(_names_site_table(c) for c in change)
    obj = change[1]
    table = getattr(obj, "table", None)
    name = table.name if table is not None else getattr(obj, "name", change[2]
                                                        if len(change) > 2 else None)
    return name in metadata.tables
