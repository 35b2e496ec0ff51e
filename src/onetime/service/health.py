"""Whether this server can serve: its database answers at the latest schema, its key file
is loaded, and its audit sealer runs."""

from __future__ import annotations

from dataclasses import dataclass

from onetime.crypto import CryptoError
from onetime.service.context import Context
from onetime.service.sealing import Heartbeat
from onetime.storage import migrate


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok" or "down"
    # "current", "behind" (a part's schema is older than this code: run `onetime
    # migrate`), or "unknown" (the database did not answer).
    migrations: str
    keys: str  # "loaded", or "missing": the key file is gone or unreadable
    # "running", "down", or "off": no dedicated sealer process (`--no-sealer-process`,
    # or a server not started by `onetime serve`); the workers' threads seal.
    sealer: str

    @property
    def failed(self) -> list[str]:
        """The checks that keep the server from serving, by name."""
        good = {"database": ("ok",), "migrations": ("current",), "keys": ("loaded",),
                "sealer": ("running", "off")}
        return [name for name, ok in good.items() if getattr(self, name) not in ok]

    @property
    def ready(self) -> bool:
        return not self.failed


def readiness(ctx: Context, sealer: Heartbeat | None) -> Readiness:
    """Run every check; blocks on the database. Never raises."""
    behind = migrate.behind(ctx.db)
    return Readiness(
        database="ok" if ctx.db.ping() else "down",
        migrations="unknown" if behind is None else "behind" if behind else "current",
        keys="loaded" if _keys_loaded(ctx) else "missing",
        sealer="off" if sealer is None else "running" if sealer.fresh() else "down")


def _keys_loaded(ctx: Context) -> bool:
    # The provider re-reads its file when it changed (at most once a second): a file
    # deleted or corrupted under a running server shows here.
    try:
        ctx.keyring.active_key_id()
    except (CryptoError, OSError):
        return False
    return True
