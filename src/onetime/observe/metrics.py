"""The service's Prometheus metrics, counted in every worker (prometheus-client).

`onetime serve` runs several worker processes; a scrape reaches one of them. In
multiprocess mode (PROMETHEUS_MULTIPROC_DIR set, as `onetime serve` does) each process
writes its values to its own mmap files there, and a scrape sums every process's files.
prometheus-client chooses that mode when it is first imported, so this module imports it
only when the first instrument is made (in the worker, after `serve` set the variable),
never at import time.

No label names a user, a token or an institution: only the fixed sets below.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Verification latency as the client sees it from the server: ~1 ms unloaded, the p99
# target 25 ms (docs/performance.md); above a second is an outage.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# confirm() has no operation: its answers are counted under this name.
CONFIRMATION = "confirmation"
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*?_(\d+)\.db")


@dataclass(frozen=True)
class _Instruments:
    # prometheus-client's types: it is imported late (see above), so named loosely here.
    registry: object
    verifications: object
    latency: object
    suspensions: object
    releases: object
    revocations: object
    setups: object
    mails: object
    pool: object


@cache
def _instruments() -> _Instruments:
    # Imported here, not at the top: see the module's docstring.
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    # Our own registry: in multiprocess mode nothing is collected from it (the files are),
    # and prometheus-client's default one would also carry its process and GC metrics.
    registry = CollectorRegistry(auto_describe=True)
    return _Instruments(
        registry=registry,
        verifications=Counter("onetime_verifications", "Codes checked, by operation and "
                              "result", ("operation", "result"), registry=registry),
        latency=Histogram("onetime_verification_seconds", "Time to answer a verification "
                          "request, from its first byte read to its answer sent",
                          buckets=LATENCY_BUCKETS, registry=registry),
        suspensions=Counter("onetime_suspensions", "Tokens suspended after too many wrong "
                            "codes", registry=registry),
        releases=Counter("onetime_releases", "Suspensions released", registry=registry),
        revocations=Counter("onetime_revocations", "Tokens revoked", registry=registry),
        setups=Counter("onetime_setups", "Tokens set up by the app (activated)",
                       registry=registry),
        mails=Counter("onetime_mails", "Mail deliveries, by outcome", ("outcome",),
                      registry=registry),
        pool=Gauge("onetime_db_pool_connections", "Database connections of the live "
                   "worker processes, by state", ("state",), multiprocess_mode="livesum",
                   registry=registry),
    )


# -- counting: each a few microseconds (a dict look-up, a lock, a write to memory) ---------

@cache
def _verification_child(operation: str, result: str):
    return _instruments().verifications.labels(operation, result)


def verification(operation: str | None, result: str) -> None:
    """One answered code; `operation` None for an authentication confirmation."""
    _verification_child(operation or CONFIRMATION, result).inc()


def verification_latency(seconds: float) -> None:
    _instruments().latency.observe(seconds)


def suspension() -> None:
    _instruments().suspensions.inc()


def release() -> None:
    _instruments().releases.inc()


def revocation() -> None:
    _instruments().revocations.inc()


def setup() -> None:
    _instruments().setups.inc()


def mail(*, sent: bool) -> None:
    _instruments().mails.labels("sent" if sent else "failed").inc()


def pool_use(size: int, in_use: int) -> None:
    """This process's pools now: their size and the connections lent out."""
    pool = _instruments().pool
    pool.labels("in_use").set(in_use)
    pool.labels("size").set(size)


# -- the scrape -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ScrapeGauge:
    """A value only known at scrape time (the unsealed audit entries, from the database)."""

    name: str
    help: str
    read: Callable[[], float | None]  # None: unknown now, left out of this scrape


def exposition(scrape_time: Iterable[ScrapeGauge] = ()) -> bytes:
    """The text format of every process's metrics, and the scrape-time gauges."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)  # one per scrape: nothing shared
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client import multiprocess
        forget_dead_processes(Path(directory))
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_Collected(_instruments().registry))
    registry.register(_ScrapeTime(tuple(scrape_time)))
    return generate_latest(registry)


class _Collected:
    """Another registry's metrics (single-process mode: tests, `onetime demo`)."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def collect(self):
        return self.registry.collect()


class _ScrapeTime:
    def __init__(self, gauges: tuple[ScrapeGauge, ...]) -> None:
        self.gauges = gauges

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        for gauge in self.gauges:
            value = gauge.read()
            if value is not None:
                yield GaugeMetricFamily(gauge.name, gauge.help, value=value)


def forget_this_process() -> None:
    """A worker's shutdown: its live gauges leave the sums (its counters stay)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(os.getpid(), directory)


def forget_dead_processes(directory: Path) -> None:
    """Drop the live gauges of worker processes that have ended (killed, restarted).

    Their counters stay: a counter counts what the dead process did. mark_process_dead
    is prometheus-client's own clean-up; a killed worker never ran its shutdown.
    """
    from prometheus_client import multiprocess
    pids = {int(m.group(1)) for p in directory.glob("gauge_live*.db")
            if (m := _LIVE_GAUGE_FILE.fullmatch(p.name))}
    for pid in pids:
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
