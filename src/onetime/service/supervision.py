"""`onetime serve` keeps its dedicated audit sealer process running.

A thread of the serving process (the sealer's parent) waits for the sealer to end, which
reaps it (no zombie is left), logs how it ended, clears its heartbeat so that /readyz
says "down" at once, and starts a new one after a back-off: 1 s, doubled each time it
ends again, at most 60 s, and back to 1 s once a sealer has run for a minute. Meanwhile
the workers' sealer threads seal (see sealing.py).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from onetime.config import Config
from onetime.files import ensure_private_dir
from onetime.service.sealing import Heartbeat
from onetime.service.services import start_sealer_process

log = logging.getLogger(__name__)


@dataclass
class Backoff:
    """How long to wait before starting again a process that has ended."""

    first: float = 1.0
    cap: float = 60.0
    stable: float = 60.0  # a process that ran this long was not crashing in a loop
    _next: float = field(init=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def after_exit(self, ran: float) -> float:
        """The delay before the next start, for a process that ended after `ran` seconds."""
        if ran >= self.stable:
            self._next = self.first
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay


def describe_exit(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


class SealerSupervisor:
    """Runs the dedicated sealer process of `config` and starts it again whenever it ends."""

    POLL_SECONDS = 0.2  # how soon a stop request is noticed

    def __init__(self, config: Config, backoff: Backoff | None = None) -> None:
        if config.sealer_heartbeat is None:
            raise ValueError("a supervised sealer needs config.sealer_heartbeat")
        self.config = config
        self.backoff = backoff or Backoff()
        self.heartbeat = Heartbeat(config.sealer_heartbeat)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sealer-supervisor",
                                        daemon=True)

    def start(self) -> SealerSupervisor:
        ensure_private_dir(self.heartbeat.path.parent)
        self.heartbeat.clear()  # a previous server's, killed before it could clear it
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """End the sealer (SIGTERM, then SIGKILL) and stop restarting it."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        restarts = 0
        while not self._stop.is_set():
            try:
                process = start_sealer_process(self.config)
            except OSError:  # no process could be made (fds, memory): try again later
                delay = self.backoff.after_exit(0.0)
                log.warning("cannot start the audit sealer process; trying again in %.0f s",
                            delay, exc_info=True)
                self._stop.wait(delay)
                continue
            if restarts:
                log.warning("audit sealer process restarted (pid %s)", process.pid)
            else:
                log.info("audit sealer process started (pid %s)", process.pid)
            started = time.monotonic()
            try:
                while process.exitcode is None and not self._stop.is_set():
                    process.join(self.POLL_SECONDS)  # reaps it once it has ended
            finally:
                if process.exitcode is None:
                    _end(process)
                self.heartbeat.clear()
            if self._stop.is_set():
                return
            delay = self.backoff.after_exit(time.monotonic() - started)
            log.warning("audit sealer process %s ended (%s); starting another in %.0f s",
                        process.pid, describe_exit(process.exitcode), delay)
            restarts += 1
            self._stop.wait(delay)


def _end(process: BaseProcess, timeout: float = 5.0) -> None:
    process.terminate()
    process.join(timeout)
    if process.exitcode is None:
        process.kill()
        process.join(timeout)
