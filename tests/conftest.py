"""The world every test builds on: databases (SQLite and PostgreSQL), a fake clock, keys.

Storage tests take the `db_url` fixture and so run once per database. PostgreSQL
tests skip when no server answers, unless ONETIME_REQUIRE_POSTGRES=1 (CI), where
a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from onetime.banking.storage.schema import metadata as banking_metadata
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import FakeClock
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.storage.schema import metadata

# CI replays the same examples every run, so a red build is reproducible.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

PG_ADMIN_URL = os.environ.get("ONETIME_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ONETIME_REQUIRE_POSTGRES") == "1"
# 10:00 in Tokyo on a Thursday: inside banking hours, outside the night window.
START = datetime(2026, 11, 26, 1, 0, 0, tzinfo=UTC)


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "no server here"
        return f"{type(exc).__name__}: {exc}"[:200]


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test process, dropped at the end."""
    problem = _pg_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (ONETIME_REQUIRE_POSTGRES=1) but unreachable: "
                        f"{problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    name = f"onetime_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'onetime.db'}"
        db = Database(url)
        migrate.upgrade(db)
        db.dispose()
        return url
    url = request.getfixturevalue("pg_database")
    db = Database(url)
    with db.engine.begin() as conn:
        # DELETE, not TRUNCATE: on these tiny tables it is ~15 ms against ~200 ms, since
        # TRUNCATE makes and fsyncs a new file per table, and this runs before every test.
        for table in [*reversed(banking_metadata.sorted_tables),
                      *reversed(metadata.sorted_tables)]:
            conn.execute(table.delete())
        sequences = conn.execute(text(
            "SELECT sequence_schema, sequence_name FROM information_schema.sequences")).all()
        for schema, sequence in sequences:
            conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
    db.dispose()
    return url


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def keyring(tmp_path):
    return KeyRing(FileKeyProvider.create(tmp_path / "keys.json"))


@pytest.fixture
def ctx(db_url, keyring, clock, tmp_path):
    context = Context(db=Database(db_url), keyring=keyring, clock=clock, setup_kdf=TEST_KDF,
                      audit_anchor=tmp_path / "audit-anchor.json")
    yield context
    context.db.dispose()


@pytest.fixture
def services(ctx):
    return Services.from_context(ctx)


@pytest.fixture
def institution(services):
    inst, _key = services.institutions.add("0001", "茨城テスト信用組合", "otp@bank.example.jp")
    return inst


@pytest.fixture
def api_key(services):
    _inst, key = services.institutions.add("0002", "APIテスト銀行", "otp@api.example.jp")
    return key.reveal_text()
