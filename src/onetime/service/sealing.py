"""Where the audit sealer runs: a dedicated process, and a thread in every worker as fallback.

Sealing (audit.py) costs CPU for every entry the service writes. In a worker process it
takes that worker's GIL from its requests, so `onetime serve` starts one dedicated sealer
process beside the workers (services.start_sealer_process), which holds the election for
as long as it lives and seals every fraction of a second. Each worker still runs a
`Sealer` thread that tries the election once per round: while the dedicated process holds
it, the thread skips at once; if that process dies, its lock dies with it (a flock with its
file, a PostgreSQL session lock with its connection) and a worker takes over.
"""

from __future__ import annotations

import logging
import threading
import time

from onetime.service.audit import ELECTION, seal_elected, seal_pending
from onetime.service.context import Context

log = logging.getLogger(__name__)
# The dedicated sealer leaves and re-enters the election this often. A PostgreSQL session
# lock is lost silently with its idle connection (a restart, an idle-session timeout): only
# using that connection, as leaving does, shows it, and re-entering then takes a live one.
RENEW_SECONDS = 30.0


def seal_while_elected(ctx: Context, interval: float, stop: threading.Event, *,
                       renew: float = RENEW_SECONDS) -> None:
    """The dedicated sealer: hold the election and seal every `interval` s until `stop`.

    Not elected (another dedicated sealer on this database): tries again each interval.
    An error (the database restarted, say) is logged; the election is left, and tried
    again after an interval, on a fresh connection.
    """
    while not stop.is_set():
        elected = False
        try:
            with ctx.db.exclusive(ELECTION) as elected:
                renew_at = time.monotonic() + renew
                while elected and time.monotonic() < renew_at:
                    seal_elected(ctx)
                    if stop.wait(interval):
                        return
        except Exception:  # the loop must outlive the database's outages; it retries
            log.warning("audit sealing failed; electing again in %s s", interval,
                        exc_info=True)
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
            except Exception:  # a busy database must not kill the thread; next tick retries
                log.warning("audit sealing failed; will retry", exc_info=True)
