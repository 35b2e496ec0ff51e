"""SQLite: a serving worker's commits never copy the WAL into the database file; the
sealing round does (issue 15: a checkpoint is milliseconds of I/O, and on the request
path it lands on whichever verification happened to commit the thousandth page).

Observed from outside: the database file alone (without its -wal) holds what has been
checkpointed, and only that.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from onetime.crypto import TEST_KDF
from onetime.domain.clock import FakeClock
from onetime.service.audit import seal_pending
from onetime.service.context import Context
from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.storage.schema import audit_log

ENTRIES = 3000  # well over SQLite's 1 000-page automatic checkpoint


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "onetime.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()
    return path


def entries_in_the_file_alone(path, tmp_path) -> int:
    """The audit entries of the database file without its WAL (as a checkpoint left it)."""
    copy = tmp_path / "file-alone.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as conn:
        return conn.execute("SELECT count(*) FROM audit_log WHERE event = 'x'").fetchone()[0]


def write_entries(db: Database, clock) -> None:
    for n in range(ENTRIES):
        with db.write() as conn:
            conn.execute(insert(audit_log).values(at=clock.now(), event="x",
                                                  detail=f'{{"n": "{"." * 200}{n}"}}'))


def test_a_serving_workers_commits_leave_the_wal_alone(path, tmp_path, keyring):
    clock = FakeClock(datetime(2026, 12, 3, 6, 0, tzinfo=UTC))
    db = Database(f"sqlite:///{path}", serving=True)
    write_entries(db, clock)
    assert entries_in_the_file_alone(path, tmp_path) == 0
    db.dispose()


def test_the_sealing_round_checkpoints(path, tmp_path, keyring):
    clock = FakeClock(datetime(2026, 12, 3, 6, 0, tzinfo=UTC))
    ctx = Context(db=Database(f"sqlite:///{path}", serving=True), keyring=keyring,
                  clock=clock, setup_kdf=TEST_KDF, audit_anchor=tmp_path / "anchor.json")
    write_entries(ctx.db, clock)
    assert seal_pending(ctx) == ENTRIES
    assert entries_in_the_file_alone(path, tmp_path) == ENTRIES
    ctx.db.dispose()


def test_other_processes_keep_sqlites_automatic_checkpoint(path, tmp_path):
    """The CLI, the tests, a restore: nobody else seals, so they checkpoint as SQLite does."""
    db = Database(f"sqlite:///{path}")
    write_entries(db, FakeClock(datetime(2026, 12, 3, 6, 0, tzinfo=UTC)))
    assert entries_in_the_file_alone(path, tmp_path) > 0
    db.dispose()
