"""Whether this server can serve: its database answers and its audit sealer runs."""

from __future__ import annotations

from dataclasses import dataclass

from onetime.service.context import Context
from onetime.service.sealing import Heartbeat


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok" or "down"
    # "running", "down", or "off": no dedicated sealer process (`--no-sealer-process`,
    # or a server not started by `onetime serve`); the workers' threads seal.
    sealer: str

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.sealer != "down"


def readiness(ctx: Context, sealer: Heartbeat | None) -> Readiness:
    """Check the database and the sealer's heartbeat; blocks on the database. Never raises."""
    if sealer is None:
        return Readiness(database="ok" if ctx.db.ping() else "down", sealer="off")
    running = sealer.fresh()
    return Readiness(database="ok" if ctx.db.ping() else "down",
                     sealer="running" if running else "down")
