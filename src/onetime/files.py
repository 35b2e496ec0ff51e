"""Crash-safe file writes and advisory file locks, for the key file, the vault and the anchor.

Written by hand because the standard library has no atomic replace-with-fsync and
the one package that does (atomicwrites) is unmaintained.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the token app only, one process at a time
    fcntl = None  # type: ignore[assignment]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(directory: Path) -> None:
    """Create `directory` (and parents) readable by the owner alone when it is new."""
    directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def create_private(path: Path) -> None:
    """Create `path` empty, mode 0600, in a private directory, unless it exists already.

    For files another library creates with the umask's mode (SQLite's database, whose
    -wal and -shm files then take its mode): made here first, no one else ever sees them.
    An existing file is never opened: closing a descriptor of it would drop every POSIX
    lock this process holds on it, SQLite's too (another process could then delete the
    WAL from under this one's open connections).
    """
    ensure_private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         PRIVATE_FILE))


def atomic_write(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Put `data` at `path` whole or not at all, mode 0600, even across a crash.

    The bytes go to a temporary file in the same directory (so the rename stays on
    one file system), are fsynced, then renamed over `path`; the directory is fsynced
    last so that the rename itself survives a power cut. With `overwrite=False` an
    existing `path` is left alone and FileExistsError raised (link() never clobbers).
    """
    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp creates it 0600 whatever the umask
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(path.parent)


def remove(path: Path) -> None:
    """Delete `path` if it exists, and make the deletion durable."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
        fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `lock_path` (created if missing, never deleted).

    A separate lock file, because a file that is replaced by rename changes inode:
    a lock on it would be held on a file that no longer has the name.
    """
    if fcntl is None:  # pragma: no cover - see the import
        yield
        return
    ensure_private_dir(lock_path.parent)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
