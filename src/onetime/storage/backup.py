"""The database's side of backup and restore: a consistent copy out, and back in.

SQLite: the online backup API (sqlite3's `Connection.backup`) copies the pages of one
read transaction, so the copy is the database at one instant while servers go on
writing (WAL mode: the reader blocks no one). PostgreSQL: `pg_dump -Fc` of a snapshot
that a transaction here exported, and `pg_restore` in a single transaction. The caller
fixes the snapshot first (`snapshot`), reads what must match it (the audit anchor), and
only then copies (`Snapshot.copy_to`), which may take long.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, inspect, make_url
from sqlalchemy.exc import DatabaseError

from onetime.files import create_private
from onetime.storage import migrate
from onetime.storage.database import Database

# (bytes done, bytes in all or 0 if not known yet)
Progress = Callable[[int, int], None]
# Pages the backup API copies per step (16 MiB at 4 KiB pages): one progress line each.
PAGES_PER_STEP = 4096
# How often the size of pg_dump's growing file is reported.
POLL_SECONDS = 0.5
PG_TOOLS_HINT = ("install PostgreSQL's client programs (Debian: apt-get install "
                 "postgresql-client, of the server's major version or newer) or name their "
                 "directory with --pg-bindir")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _no_progress(_done: int, _total: int) -> None:
    pass


class Snapshot:
    """The database as one transaction sees it, kept open until the copy is made."""

    def __init__(self, db: Database, conn: Connection, pg_snapshot: str | None,
                 bindir: Path | None) -> None:
        self._db = db
        self._conn = conn
        self._pg_snapshot = pg_snapshot
        self._bindir = bindir
        self.revisions = migrate.revisions(conn)

    def copy_to(self, dest: Path, progress: Progress = _no_progress) -> None:
        """Write the snapshot to `dest` (a new file): an SQLite database, or a pg_dump archive."""
        if self._db.is_sqlite:
            _sqlite_copy(self._conn.connection.dbapi_connection, dest, progress)
        else:
            _pg_dump(self._db.url, self._pg_snapshot, dest, self._bindir, progress)


@contextmanager
def snapshot(db: Database, *, bindir: Path | None = None) -> Iterator[Snapshot]:
    """Fix the database's content as of now; copy it with the Snapshot before leaving.

    On PostgreSQL the pg_dump programs are looked for first, so that a missing one is
    told before anything else is done.
    """
    if not db.is_sqlite:
        pg_tool("pg_dump", bindir)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.begin()
            # The first read starts the read transaction, and with it the snapshot.
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            yield Snapshot(db, conn, None, bindir)
        else:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            exported = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            yield Snapshot(db, conn, exported, bindir)
        conn.rollback()


def _sqlite_copy(source: sqlite3.Connection, dest: Path, progress: Progress) -> None:
    page_size = source.execute("PRAGMA page_size").fetchone()[0]

    def step(_status: int, remaining: int, total: int) -> None:
        progress((total - remaining) * page_size, total * page_size)

    target = sqlite3.connect(dest)
    try:
        # The source holds its read transaction between steps, so writes by the server
        # never make the copy start over, and the copy is that transaction's view.
        source.backup(target, pages=PAGES_PER_STEP, progress=step, sleep=0)
    finally:
        target.close()


def pg_tool(name: str, bindir: Path | None = None) -> str:
    """The path of PostgreSQL's `name` program: in `bindir`, on PATH, or Debian's newest."""
    if bindir is not None:
        found = shutil.which(name, path=str(bindir))
    else:
        # Debian's postgresql-client-NN puts the programs here and only wrappers on PATH.
        debian = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0)
        found = shutil.which(name) or (debian[-1] if debian else None)
    if found is None:
        where = f"in {bindir}" if bindir is not None else "on PATH or in /usr/lib/postgresql"
        raise BackupError(f"{name} not found {where}: {PG_TOOLS_HINT}")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it, and the environment carrying its password (never argv)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], watch: Path | None,
         progress: Progress) -> None:
    """Run a PostgreSQL program; report the size of `watch` as it grows; raise on failure."""
    # An argument list, no shell; the program's path comes from pg_tool.
    with subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,  # noqa: S603
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        while True:
            try:
                process.wait(POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if watch is not None and watch.exists():
                    progress(watch.stat().st_size, 0)
        errors = process.stderr.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed (exit {process.returncode}): "
                          f"{errors[-2000:]}")


def _pg_dump(url: str, exported: str | None, dest: Path, bindir: Path | None,
             progress: Progress) -> None:
    uri, env = _libpq(url)
    args = [pg_tool("pg_dump", bindir), "--format=custom", "--file", str(dest)]
    if exported:
        args.append(f"--snapshot={exported}")
    _run([*args, "--dbname", uri], env, dest, progress)
    progress(dest.stat().st_size, dest.stat().st_size)


def state(db: Database) -> str:
    """"empty" (no tables), "holds data" (tables), or "unreadable" (not a database)."""
    try:
        with db.engine.connect() as conn:
            names = inspect(conn).get_table_names()
    except DatabaseError as error:
        if db.is_sqlite and "not a database" in str(error):
            return "unreadable"
        raise
    return "holds data" if names else "empty"


def revisions(db: Database) -> dict[str, str | None]:
    with db.engine.connect() as conn:
        return migrate.revisions(conn)


def restore_sqlite(db: Database, copy: Path, progress: Progress = _no_progress) -> Path | None:
    """Replace `db`'s content with the SQLite database `copy`, in one transaction.

    An unreadable database file (and its -wal and -shm) is moved aside first, never
    deleted; returns where it went, or None.
    """
    path = Path(db.engine.url.database)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("the backup's database fails SQLite's quick_check")
        db.dispose()
        aside = None
        if state(db) == "unreadable":
            aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    os.replace(f"{path}{suffix}", f"{aside}{suffix}")
            db.dispose()
        page_size = source.execute("PRAGMA page_size").fetchone()[0]

        def step(_status: int, remaining: int, total: int) -> None:
            progress((total - remaining) * page_size, total * page_size)

        # Into the live file through SQLite itself (not a file copy): its WAL stays
        # consistent, and the destination changes in one transaction or not at all.
        create_private(path)  # a file set aside leaves the path free: made 0600 again
        target = sqlite3.connect(path, timeout=30)
        try:
            source.backup(target, pages=PAGES_PER_STEP, progress=step, sleep=0)
        finally:
            target.close()
    finally:
        source.close()
    db.dispose()
    return aside


def restore_postgres(db: Database, dump: Path, *, clean: bool, bindir: Path | None = None,
                     progress: Progress = _no_progress) -> None:
    """pg_restore `dump` into `db` in one transaction: all of it, or nothing on an error.

    `clean` first drops the objects the dump holds (the operator's --force).
    """
    uri, env = _libpq(db.url)
    args = [pg_tool("pg_restore", bindir), "--single-transaction", "--exit-on-error",
            "--no-owner", "--no-privileges"]
    if clean:
        args += ["--clean", "--if-exists"]
    db.dispose()
    size = dump.stat().st_size
    progress(0, size)
    _run([*args, "--dbname", uri, str(dump)], env, None, progress)
    progress(size, size)
