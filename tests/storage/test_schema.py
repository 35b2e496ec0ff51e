"""The schema: migrations build what schema.py declares; instants are stored as UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import StatementError

from onetime.banking.storage.schema import metadata as banking_metadata
from onetime.storage.schema import audit_log, metadata, tokens

JST = timezone(timedelta(hours=9))


class TestMigrations:
    def test_upgrade_creates_every_table(self, ctx):
        """After `migrate.upgrade` every table of schema.py exists."""
        names = set(inspect(ctx.db.engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= names

    def test_migrations_match_schema_py(self, ctx):
        """No column, index or constraint of schema.py is missing from the migrations."""
        with ctx.db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        # The banking site's tables share the database; their history has its own test.
        # An index declared for PostgreSQL only (Index.ddl_if) is not one SQLite lacks.
        assert [d for d in diff if not _banking(d)
                and not _other_dialect(d, conn.dialect.name)] == []


class TestUTCDateTime:
    def test_an_aware_instant_comes_back_aware_utc(self, ctx, rows, clock):
        """Whatever zone goes in, the same instant comes out, in UTC."""
        tokyo_noon = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=JST)
        rows.insert()
        token = rows.force(revoked_at=tokyo_noon)
        assert token.revoked_at == tokyo_noon
        assert token.revoked_at.tzinfo == UTC
        assert token.revoked_at.microsecond == 123456

    def test_a_naive_datetime_is_refused(self, ctx, institution):
        """A naive datetime is ambiguous; the column refuses it rather than guess."""
        with pytest.raises(StatementError), ctx.db.write() as conn:
            conn.execute(audit_log.insert().values(at=datetime(2026, 11, 26), event="x"))

    def test_instants_do_not_move_with_the_session_time_zone(self, tokyo_db, rows, clock):
        """Written and read through a Tokyo session, an instant is the same instant."""
        rows.insert()
        with tokyo_db.write() as conn:
            conn.execute(tokens.update().values(revoked_at=clock.now()))
        with tokyo_db.read() as conn:
            assert conn.execute(select(tokens.c.revoked_at)).scalar_one() == clock.now()
        assert rows.get().revoked_at == clock.now()


def _other_dialect(change, dialect: str) -> bool:
    """Whether a change adds an index that schema.py declares for another database."""
    if not (isinstance(change, tuple) and change[0] == "add_index"):
        return False
    # Autogenerate hands back its own copy of the index: look up the one declared.
    declared = {ix.name: ix for t in metadata.tables.values() for ix in t.indexes}
    only = declared[change[1].name]._ddl_if  # set by Index.ddl_if(dialect=...)
    return only is not None and only.dialect not in (None, dialect)


def _banking(change) -> bool:
    """Whether an autogenerate change is about a table of the banking site."""
    if isinstance(change, list):
        return all(_banking(c) for c in change)
    obj = change[1]
    table = getattr(obj, "table", None)
    name = table.name if table is not None else (
        change[2] if isinstance(obj, str | None) and len(change) > 2 else getattr(obj, "name",
                                                                                     None))
    return name in banking_metadata.tables or name == "alembic_version_banking"
