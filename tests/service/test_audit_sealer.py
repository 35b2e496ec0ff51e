"""Who seals: the dedicated sealer holds the election; the workers' threads take over if it dies.

On both databases. The dedicated loop runs in a thread with its own engine (so its own
connections and its own election lock), or, where its death matters, in a real process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import text

from onetime.config import Config
from onetime.service.audit import SEAL_BATCH, read_anchor, seal_pending, verify_chain
from onetime.service.context import Context
from onetime.service.sealing import seal_while_elected
from onetime.service.services import start_sealer_process
from onetime.storage.database import Database
from tests.polling import eventually

DEADLINE = 20.0  # seconds any awaited change may take before the test fails


def append(ctx: Context, count: int) -> None:
    with ctx.db.write() as conn:
        for n in range(count):
            ctx.audit.append(conn, at=ctx.clock.now(), institution_id=1, event="code_verified",
                             user_id=f"user{n}", actor=f"user:user{n}", operation="login",
                             result="accepted", source_ip="203.0.113.7",
                             detail={"drift": n % 3 - 1} if n % 2 else None)


def unsealed(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return ctx.audit.count_unsealed(conn)


@dataclass
class Loop:
    """A dedicated sealing loop running in a thread."""

    thread: threading.Thread
    stop_event: threading.Event

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive(), "the sealing loop did not stop"


@contextlib.contextmanager
def dedicated_sealer(ctx: Context, db_url: str, interval: float, **options) -> Iterator[Loop]:
    """The dedicated sealing loop in a thread with an engine of its own (so its own
    connections and election lock), as another process would have. Stopped after."""
    sealer_ctx = replace(ctx, db=Database(db_url))
    stop = threading.Event()
    loop = Loop(threading.Thread(target=seal_while_elected, args=(sealer_ctx, interval, stop),
                                 kwargs=options, daemon=True), stop)
    loop.thread.start()
    try:
        yield loop
    finally:
        loop.stop()
        sealer_ctx.db.dispose()


class TestDedicatedSealer:
    def test_it_seals_what_another_connection_appends(self, ctx, db_url):
        """Entries committed elsewhere, several batches of them, are chained and anchored."""
        count = 2 * SEAL_BATCH + 50
        with dedicated_sealer(ctx, db_url, interval=0.05):
            append(ctx, count)
            eventually(lambda: unsealed(ctx) == 0, "every entry sealed")
        report = verify_chain(ctx)
        assert (report.ok, report.sealed, report.unsealed) == (True, count, 0)
        assert read_anchor(ctx, ctx.audit_anchor)[0] == count

    def test_seal_pending_elsewhere_skips_while_it_holds_the_election(self, ctx, db_url):
        """A worker's round seals nothing while the dedicated sealer is elected; then it can."""
        append(ctx, 1)
        # A long interval: after its first round the loop waits, holding the election.
        with dedicated_sealer(ctx, db_url, interval=3600):
            eventually(lambda: unsealed(ctx) == 0, "the first round")
            append(ctx, 3)
            assert seal_pending(ctx) == 0
            assert unsealed(ctx) == 3
        assert seal_pending(ctx) == 3
        assert verify_chain(ctx).ok

    def test_a_second_dedicated_sealer_waits_then_takes_over(self, ctx, db_url):
        """Not elected, it tries again each interval, and seals once the first one stops."""
        append(ctx, 1)
        with dedicated_sealer(ctx, db_url, interval=3600) as first:
            eventually(lambda: unsealed(ctx) == 0, "the first sealer's first round")
            with dedicated_sealer(ctx, db_url, interval=0.05):
                append(ctx, 5)
                first.stop()
                eventually(lambda: unsealed(ctx) == 0, "the second sealer sealing")
        report = verify_chain(ctx)
        assert (report.ok, report.sealed) == (True, 6)

    def test_a_killed_sealer_process_hands_over_to_the_workers(self, ctx, db_url, tmp_path):
        """SIGKILL frees its election (flock or session lock), and seal_pending seals again."""
        config = Config.from_env({
            "ONETIME_DATABASE_URL": db_url, "ONETIME_KEY_FILE": str(tmp_path / "keys.json"),
            "ONETIME_VAR": str(tmp_path),
            "ONETIME_AUDIT_ANCHOR": str(ctx.audit_anchor),
            "ONETIME_SEALER_INTERVAL": "3600"})  # one round, then it holds the election
        append(ctx, 1)
        process = start_sealer_process(config)
        try:
            eventually(lambda: unsealed(ctx) == 0, "the sealer process's first round")
            append(ctx, 4)
            assert seal_pending(ctx) == 0
            os.kill(process.pid, signal.SIGKILL)
            process.join(DEADLINE)
            assert process.exitcode == -signal.SIGKILL
            # PostgreSQL frees the session lock once it notices the connection is gone.
            assert eventually(lambda: seal_pending(ctx), "a worker sealing again") == 4
        finally:
            if process.is_alive():
                process.kill()
                process.join(DEADLINE)
        report = verify_chain(ctx)
        assert (report.ok, report.sealed, report.unsealed) == (True, 5, 0)

    # A PostgreSQL session lock; SQLite's flock cannot be lost while its file is open.
    @pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                             indirect=True)
    def test_a_dropped_election_connection_is_elected_again(self, ctx, db_url, caplog):
        """A killed session loses its lock silently; the loop notices, and holds it again."""
        append(ctx, 1)
        with dedicated_sealer(ctx, db_url, interval=0.05, renew=0.2) as loop:
            eventually(lambda: unsealed(ctx) == 0, "the first round")
            holder = eventually(lambda: election_holder(ctx), "the election held")
            with ctx.db.engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
            eventually(lambda: "electing again" in caplog.text, "the loss noticed")
            eventually(lambda: election_holder(ctx), "the election held again")
            append(ctx, 2)
            eventually(lambda: unsealed(ctx) == 0, "sealing again")
            assert loop.thread.is_alive()
        assert verify_chain(ctx).ok


def election_holder(ctx: Context) -> int | None:
    """The PostgreSQL backend holding a session advisory lock in this database, if any."""
    with ctx.db.read() as conn:
        return conn.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )).scalar()

