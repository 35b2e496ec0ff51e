"""storage/backup.py: a snapshot is one instant, copied with progress, restored whole."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sqlalchemy import func, insert, select

from onetime.storage import backup as store
from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.storage.schema import audit_log
from tests.e2e import servers


def _entries(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()


def _append(db: Database, clock, event: str) -> None:
    with db.write() as conn:
        conn.execute(insert(audit_log).values(at=clock.now(), event=event, actor="test"))


@contextlib.contextmanager
def _empty_like(db: Database, directory: Path):
    """An empty database of the same kind as `db`."""
    if db.is_sqlite:
        target = Database(f"sqlite:///{directory / 'restored.db'}")
        yield target
        target.dispose()
    else:
        with servers.postgres_database(servers.PG_ADMIN_URL) as url:
            target = Database(url)
            yield target
            target.dispose()


def test_the_copy_is_the_snapshot_not_what_was_written_after(db_url, clock, tmp_path,
                                                               monkeypatch):
    """Entries written once the snapshot is fixed are not in the copy; progress climbs."""
    db = Database(db_url)
    for n in range(300):
        _append(db, clock, f"before-{n}")
    monkeypatch.setattr(store, "PAGES_PER_STEP", 2)  # many steps from a small database
    seen: list[tuple[int, int]] = []
    with store.snapshot(db) as snap:
        for n in range(50):
            _append(db, clock, f"after-{n}")
        snap.copy_to(tmp_path / "copy", lambda done, total: seen.append((done, total)))
        assert snap.revisions == store.revisions(db)
    assert _entries(db) == 350
    assert seen[-1][0] == seen[-1][1] > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    if db.is_sqlite:
        assert len(seen) > 3
    with _empty_like(db, tmp_path) as target:
        assert store.state(target) == "empty"
        if db.is_sqlite:
            store.restore_sqlite(target, tmp_path / "copy")
        else:
            store.restore_postgres(target, tmp_path / "copy", clean=False)
        assert store.state(target) == "holds data"
        assert _entries(target) == 300
        assert store.revisions(target) == store.revisions(db)
        migrate.upgrade(target)  # already at head: nothing to do, nothing fails
    db.dispose()
