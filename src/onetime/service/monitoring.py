"""What the metrics read from a running server: the sealer's lag, the pool's use."""

from __future__ import annotations

import logging
import threading

from onetime.domain.errors import ServiceUnavailable
from onetime.observe import metrics
from onetime.service.context import Context

log = logging.getLogger(__name__)
POOL_SAMPLE_SECONDS = 1.0


def unsealed_entries(ctx: Context) -> int | None:
    """Audit entries committed but not yet sealed (the sealer's lag); None if the
    database does not answer. One COUNT, at scrape time only."""
    try:
        with ctx.db.read() as conn:
            return ctx.audit.count_unsealed(conn)
    except ServiceUnavailable:
        return None


class PoolSampler:
    """Publishes this worker's connection pool use every second, for every scrape.

    A scrape reaches one worker, and in-process numbers are only known to their own
    process; each worker writes its own, and the scrape sums the live ones. Reading a
    pool's counters takes no lock and no I/O.
    """

    def __init__(self, ctx: Context, every: float = POOL_SAMPLE_SECONDS) -> None:
        self.ctx, self.every = ctx, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pool-sampler", daemon=True)

    def start(self) -> PoolSampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        use = self.ctx.db.pool_use()
        metrics.pool_use(use.size, use.in_use)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # a bug; the metrics must never take the server down
                log.exception("pool sample failed")
            if self._stop.wait(self.every):
                return
