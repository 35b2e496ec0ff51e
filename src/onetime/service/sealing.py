"""Where the audit sealer runs: a dedicated process, and a thread in every worker as fallback.

Sealing (audit.py) costs CPU for every entry the service writes. In a worker process it
takes that worker's GIL from its requests, so `onetime serve` starts one dedicated sealer
process beside the workers (services.start_sealer_process), which holds the election for
as long as it lives and seals every fraction of a second. Each worker still runs a
`Sealer` thread that tries the election once per round: while the dedicated process holds
it, the thread skips at once; if that process dies, its lock dies with it (a flock with its
file, a PostgreSQL session lock with its connection) and a worker takes over, until
`onetime serve` has started it again (supervision.py). The dedicated process rewrites a
`Heartbeat` file as it goes round, which is how the workers' /readyz know that it runs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from onetime.domain.errors import ServiceUnavailable
from onetime.service.audit import ELECTION, seal_elected, seal_pending
from onetime.service.context import Context

log = logging.getLogger(__name__)
# The dedicated sealer leaves and re-enters the election this often. A PostgreSQL session
# lock is lost silently with its idle connection (a restart, an idle-session timeout): only
# using that connection, as leaving does, shows it, and re-entering then takes a live one.
RENEW_SECONDS = 30.0
BEAT_SECONDS = 1.0
# A heartbeat older than this (or than three rounds, if rounds are longer) means the
# sealer is stuck or gone: a round sealing a large backlog takes a few seconds at most.
STALE_SECONDS = 10.0


class Heartbeat:
    """A small file the dedicated sealer rewrites as it goes round; its age tells if it runs.

    It holds `time.monotonic()`: on Linux one clock (CLOCK_MONOTONIC) for all processes
    of the machine, and the workers that read it run beside the sealer; the wall clock
    could be moved under it.
    """

    def __init__(self, path: Path, *, every: float = BEAT_SECONDS,
                 stale_after: float = STALE_SECONDS) -> None:
        self.path, self.every, self.stale_after = path, every, stale_after
        self._next = 0.0

    @classmethod
    def of(cls, config) -> Heartbeat | None:
        """The heartbeat `onetime serve` set up for its sealer (config.sealer_heartbeat)."""
        if config.sealer_heartbeat is None:
            return None
        return cls(config.sealer_heartbeat,
                   stale_after=max(STALE_SECONDS, 3 * config.sealer_interval))

    def beat(self) -> None:
        """Rewrite the file, at most once every `every` seconds. Never raises."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.every
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump({"pid": os.getpid(), "monotonic": now}, f)
            os.replace(tmp, self.path)  # readers never see half a beat
        except OSError:  # /readyz will say "down", which is the truth that matters
            log.warning("cannot write the sealer heartbeat %s", self.path, exc_info=True)

    def clear(self) -> None:
        """The sealer has ended: say so at once, without waiting for the beat to go stale."""
        self.path.unlink(missing_ok=True)

    def fresh(self) -> bool:
        """Whether the sealer beat within `stale_after` seconds."""
        try:
            beat = json.loads(self.path.read_text())["monotonic"]
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return time.monotonic() - float(beat) < self.stale_after


def _no_beat() -> None:
    pass


def seal_while_elected(ctx: Context, interval: float, stop: threading.Event, *,
                       renew: float = RENEW_SECONDS,
                       beat: Callable[[], None] = _no_beat) -> None:
    """The dedicated sealer: hold the election and seal every `interval` s until `stop`.

    Not elected (another dedicated sealer on this database): tries again each interval.
    An error (the database restarted, say) is logged; the election is left, and tried
    again after an interval, on a fresh connection. `beat` is called every round, elected
    or not.
    """
    while not stop.is_set():
        elected = False
        beat()
        try:
            with ctx.db.exclusive(ELECTION) as elected:
                renew_at = time.monotonic() + renew
                while elected and time.monotonic() < renew_at:
                    seal_elected(ctx)
                    beat()
                    if stop.wait(interval):
                        return
        except ServiceUnavailable:  # a restart, a failover: a fresh connection next round
            log.warning("audit sealing failed: database unavailable; electing again in %s s",
                        interval, exc_info=True)
            elected = False
        except Exception:
            # A bug, logged as one. The loop still goes on: it is the only sealer while it
            # holds the election, and entries left unsealed weaken the audit trail.
            log.exception("audit sealing failed unexpectedly; electing again in %s s",
                          interval)
            elected = False
        if not elected:
            stop.wait(interval)


class Sealer:
    """A background thread in each server process; the lock elects one at a time."""

    def __init__(self, ctx: Context, interval: float = 1.0) -> None:
        self.ctx, self.interval = ctx, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                seal_pending(self.ctx)
            except ServiceUnavailable:  # a busy or restarting database: next tick retries
                log.warning("audit sealing failed: database unavailable; will retry",
                            exc_info=True)
            except Exception:
                # A bug, logged as one; the thread lives on as the fallback sealer of this
                # process (see the module docstring), which an ended thread would not be.
                log.exception("audit sealing failed unexpectedly; will retry")
