"""`onetime backup FILE` and `onetime restore FILE`: the database and the audit anchor."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from onetime.config import Config

# A progress line at most this often (a small database gets only the last one).
PROGRESS_EVERY = 0.5


class _ProgressLine:
    """'backup: 12.3 MB of 45.6 MB' on stderr, rewritten in place."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.shown_at = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown_at < PROGRESS_EVERY and done != total:
            return
        self.shown_at = now
        self.shown = True
        of = f" of {total / 1e6:,.1f} MB" if total else ""
        print(f"\r{self.verb}: {done / 1e6:,.1f} MB{of}", end="", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def _context(config: Config):
    # Imported here: every other `onetime` command starts without the backup's modules.
    from onetime.crypto import KeyFileMissing
    from onetime.service.services import build_context
    try:
        return build_context(config)
    except KeyFileMissing:
        raise SystemExit(f"error: no key file at {config.key_file}: put back the key file "
                         "first (it is backed up separately, never in a backup)") from None


def cmd_backup(args, config: Config) -> int:
    from onetime.service.backup import KEY_FILE_NOTE, BackupError, create_backup
    ctx = _context(config)
    line = _ProgressLine("backed up")
    try:
        manifest = create_backup(ctx, args.file, actor=args.actor, workdir=args.file.parent,
                                 progress=line, pg_bindir=args.pg_bindir)
    except BackupError as error:
        line.end()
        print(f"error: {error}", file=sys.stderr)
        return 1
    line.end()
    size = args.file.stat().st_size
    print(f"backup of the {manifest.database} database and the audit anchor written to "
          f"{args.file} ({size:,} bytes, created {manifest.created_at})")
    print(f"note: {KEY_FILE_NOTE} ({config.key_file})")
    return 0


def cmd_restore(args, config: Config) -> int:
    from onetime.service.backup import BackupError, restore_backup
    ctx = _context(config)
    line = _ProgressLine("restored")
    try:
        restored = restore_backup(ctx, args.file, force=args.force, actor=args.actor,
                                  workdir=config.var, progress=line, pg_bindir=args.pg_bindir)
    except BackupError as error:
        line.end()
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 1
    line.end()
    if restored.set_aside is not None:
        print(f"the unreadable database file was moved to {restored.set_aside}")
    print(f"restored the backup of {restored.manifest.created_at} "
          f"(onetime {restored.manifest.onetime_version}); schema now at "
          f"otp {restored.migrated_to['otp']}, banking {restored.migrated_to['banking']}")
    print("the audit anchor is the backup's; check with `onetime audit verify`")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    bindir = {"type": Path, "metavar": "DIR",
              "help": "where pg_dump and pg_restore are (default: PATH, then Debian's "
                      "/usr/lib/postgresql/NN/bin)"}
    backup = subparsers.add_parser(
        "backup", help="write the database and the audit anchor to FILE (online; the key "
                       "file is not included)")
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.add_argument("--actor", default="operator",
                        help="who makes the backup, for the audit trail (default: operator)")
    backup.add_argument("--pg-bindir", **bindir)
    backup.set_defaults(func=cmd_backup)
    restore = subparsers.add_parser(
        "restore", help="put a backup back into an empty database (servers stopped)")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--force", action="store_true",
                         help="replace a database that holds data (or is unreadable)")
    restore.add_argument("--actor", default="operator",
                         help="who restores, for the audit trail (default: operator)")
    restore.add_argument("--pg-bindir", **bindir)
    restore.set_defaults(func=cmd_restore)
