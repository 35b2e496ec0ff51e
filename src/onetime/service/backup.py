"""Backup and restore: the database and the audit anchor in one file, checked on the way back.

A backup holds what a restore needs besides the key file: the database as of one
instant, and the audit anchor as of the same instant (read under the anchor's lock while
the snapshot is fixed, so no sealing round falls between them; see service/anchor.py).
The key file is NOT in it: whoever holds a backup and its key file holds every token's
secret, so the operator keeps the two apart.

The file (written by hand: tar and zip leave bytes that no check covers, padding and
time stamps, so one changed byte could pass unnoticed; here every byte counts):

    onetime-backup\\n
    <manifest: one line of JSON>\\n
    mac <HMAC-SHA256 of the manifest line under the key file's "backup-manifest" key>\\n
    <the parts, one after another, of the sizes the manifest gives>

The manifest names the format, the onetime that wrote it, the kind of database, both
Alembic histories' revisions, when it was made, and each part's size and SHA-256. The MAC
binds it to the key file the secrets are encrypted under: a changed manifest, or a key
file that is not the one of this installation, is refused before anything is touched.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import onetime
from onetime.files import PRIVATE_DIR, atomic_write, fsync_dir, remove
from onetime.service.anchor import anchor_lock
from onetime.service.context import Context
from onetime.storage import backup as store
from onetime.storage import migrate
from onetime.storage.backup import BackupError, Progress

__all__ = ["BackupError", "Manifest", "Restored", "create_backup", "restore_backup"]

FORMAT = 1
MAGIC = b"onetime-backup\n"
MAC_PURPOSE = "backup-manifest"
MAX_MANIFEST = 64 * 1024
CHUNK = 1024 * 1024
DATABASE = "database"
ANCHOR = "audit-anchor"
KEY_FILE_NOTE = ("the key file is not in the backup: keep it, backed up separately, "
                 "apart from the backups")


@dataclass(frozen=True)
class Part:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format: int
    onetime_version: str
    database: str  # "sqlite" or "postgresql"
    revisions: dict[str, str | None]  # Alembic: "otp" and "banking"
    created_at: str  # RFC 3339
    parts: tuple[Part, ...]

    def line(self) -> bytes:
        body = {"format": self.format, "onetime_version": self.onetime_version,
                "database": self.database, "alembic": self.revisions,
                "created_at": self.created_at, "key_file": "not included",
                "parts": [vars(p) for p in self.parts]}
        return json.dumps(body, sort_keys=True, ensure_ascii=True).encode() + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> Manifest:
        """Raises BackupError for a manifest this onetime cannot read."""
        try:
            body = json.loads(line)
            if body["format"] != FORMAT:
                raise BackupError(f"backup format {body['format']} is not {FORMAT}, the one "
                                  "this onetime reads: restore it with the onetime that made it")
            parts = tuple(Part(str(p["name"]), int(p["size"]), str(p["sha256"]))
                          for p in body["parts"])
            return cls(FORMAT, str(body["onetime_version"]), str(body["database"]),
                       {k: body["alembic"][k] for k in ("otp", "banking")},
                       str(body["created_at"]), parts)
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(f"the backup's manifest is unreadable ({error})") from None

    def part(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    migrated_to: dict[str, str | None]
    set_aside: Path | None  # an unreadable SQLite file moved out of the way


def _kind(ctx: Context) -> str:
    return "sqlite" if ctx.db.is_sqlite else "postgresql"


def _mac(ctx: Context, manifest_line: bytes) -> bytes:
    return ctx.keyring.mac(MAC_PURPOSE, manifest_line)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _workdir(near: Path) -> Iterator[Path]:
    """A private directory beside `near` (same file system), removed afterwards."""
    near.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".onetime-backup.", dir=near))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def create_backup(ctx: Context, out: Path, *, actor: str, workdir: Path,
                  progress: Progress | None = None, pg_bindir: Path | None = None) -> Manifest:
    """Write a backup of `ctx`'s database and audit anchor to `out` (a new file, 0600).

    Safe while servers run. Raises BackupError if `out` exists or the copy fails.
    """
    if out.exists():
        raise BackupError(f"{out} exists: a backup never overwrites a file")
    with _workdir(workdir) as work, ExitStack() as stack:
        copy = work / DATABASE
        anchor: bytes | None = None
        with anchor_lock(ctx):
            # No sealing round commits while the lock is held: the anchor read here is
            # the one of the snapshot's chain head.
            snap = stack.enter_context(store.snapshot(ctx.db, bindir=pg_bindir))
            if ctx.audit_anchor is not None and ctx.audit_anchor.exists():
                anchor = ctx.audit_anchor.read_bytes()
        snap.copy_to(copy, progress or (lambda _d, _t: None))
        revisions = snap.revisions
        stack.close()
        parts = [Part(DATABASE, copy.stat().st_size, _sha256(copy))]
        if anchor is not None:
            parts.append(Part(ANCHOR, len(anchor), hashlib.sha256(anchor).hexdigest()))
            (work / ANCHOR).write_bytes(anchor)
        manifest = Manifest(FORMAT, onetime.__version__, _kind(ctx), revisions,
                            ctx.clock.now().isoformat(), tuple(parts))
        _assemble(ctx, out, manifest, work)
    with ctx.db.write() as conn:
        ctx.audit.append(conn, at=ctx.clock.now(), institution_id=None, event="backup_created",
                         actor=actor, detail={"database": manifest.database,
                                              "created_at": manifest.created_at})
    return manifest


def _assemble(ctx: Context, out: Path, manifest: Manifest, work: Path) -> None:
    """Header, manifest, MAC, parts: into a temporary file, fsynced, then linked to `out`."""
    line = manifest.line()
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp: mode 0600 whatever the umask
            f.write(MAGIC + line + b"mac " + _mac(ctx, line).hex().encode() + b"\n")
            for part in manifest.parts:
                with (work / part.name).open("rb") as src:
                    shutil.copyfileobj(src, f, CHUNK)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, out)  # never clobbers a file that appeared meanwhile
        except FileExistsError:
            raise BackupError(f"{out} exists: a backup never overwrites a file") from None
    finally:
        remove(Path(tmp))
    fsync_dir(out.parent)


def read_manifest(ctx: Context, f: BinaryIO) -> Manifest:
    """Read and authenticate the header of a backup; `f` is left at the first part."""
    if f.readline(len(MAGIC)) != MAGIC:
        raise BackupError("not a onetime backup (its first line is not 'onetime-backup')")
    line = f.readline(MAX_MANIFEST)
    mac_line = f.readline(128)
    if not line.endswith(b"\n") or not mac_line.startswith(b"mac ") \
            or not mac_line.endswith(b"\n"):
        raise BackupError("the backup's header is damaged")
    try:
        mac = bytes.fromhex(mac_line[4:-1].decode("ascii"))
    except ValueError:
        raise BackupError("the backup's header is damaged") from None
    if not hmac.compare_digest(mac, _mac(ctx, line)):
        raise BackupError("the backup's manifest fails its MAC: the file was changed, or "
                          "the key file is not the one of the installation it was made on")
    return Manifest.parse(line)


def _extract(f: BinaryIO, manifest: Manifest, work: Path) -> None:
    """Copy each part into `work`, checking its size and SHA-256, and that nothing follows."""
    for part in manifest.parts:
        if part.name not in (DATABASE, ANCHOR) or part.size < 0:
            raise BackupError(f"the backup holds an unknown part {part.name!r}")
        digest, left = hashlib.sha256(), part.size
        with (work / part.name).open("wb") as out:
            while left:
                chunk = f.read(min(CHUNK, left))
                if not chunk:
                    raise BackupError(f"the backup is truncated (in its {part.name})")
                digest.update(chunk)
                out.write(chunk)
                left -= len(chunk)
        if not hmac.compare_digest(digest.hexdigest(), part.sha256):
            raise BackupError(f"the backup's {part.name} does not match its SHA-256: "
                              "the file was changed or damaged")
    if f.read(1):
        raise BackupError("the backup has bytes after its last part: changed or damaged")
    if manifest.part(DATABASE) is None:
        raise BackupError("the backup holds no database")


def restore_backup(ctx: Context, path: Path, *, force: bool, actor: str, workdir: Path,
                   progress: Progress | None = None,
                   pg_bindir: Path | None = None) -> Restored:
    """Put the backup at `path` in place of `ctx`'s database and audit anchor.

    Every check comes before the first change: the MAC, each part's SHA-256, the kind of
    database, that this onetime knows the backup's revisions, and that the database is
    empty (or `force`). The database is replaced in one transaction; the anchor last.
    Servers must be stopped. Raises BackupError, having changed nothing.
    """
    report = progress or (lambda _d, _t: None)
    with _workdir(workdir) as work:
        with path.open("rb") as f:
            manifest = read_manifest(ctx, f)
            if manifest.database != _kind(ctx):
                raise BackupError(f"a {manifest.database} backup cannot be restored into "
                                  f"{_kind(ctx)}")
            for part, revision in manifest.revisions.items():
                if revision is not None and not migrate.known(part, revision):
                    raise BackupError(
                        f"the backup's {part} schema is at revision {revision}, which this "
                        f"onetime ({onetime.__version__}) does not know: restore it with "
                        f"onetime {manifest.onetime_version} or newer")
            _extract(f, manifest, work)
        found = store.state(ctx.db)
        if found != "empty" and not force:
            raise BackupError(f"the database {found}: restore only into an empty database, "
                              "or give --force to replace it")
        aside = None
        if ctx.db.is_sqlite:
            aside = store.restore_sqlite(ctx.db, work / DATABASE, report)
        else:
            store.restore_postgres(ctx.db, work / DATABASE, clean=found != "empty",
                                   bindir=pg_bindir, progress=report)
        restored = store.revisions(ctx.db)
        if restored != manifest.revisions:
            raise BackupError(f"the restored database is at {restored}, not at the backup's "
                              f"{manifest.revisions}")
        migrate.upgrade(ctx.db)
        with anchor_lock(ctx):
            if ctx.audit_anchor is not None:
                if manifest.part(ANCHOR) is not None:
                    atomic_write(ctx.audit_anchor, (work / ANCHOR).read_bytes())
                else:
                    remove(ctx.audit_anchor)  # nothing was sealed when the backup was made
            with ctx.db.write() as conn:
                ctx.audit.append(conn, at=ctx.clock.now(), institution_id=None,
                                 event="backup_restored", actor=actor,
                                 detail={"created_at": manifest.created_at,
                                         "onetime_version": manifest.onetime_version})
    return Restored(manifest, store.revisions(ctx.db), aside)

