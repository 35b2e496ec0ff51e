"""The sealer's supervision: back-off, heartbeat and readiness (the e2e test kills it:
tests/e2e/test_sealer_process.py)."""

from __future__ import annotations

import json
import time

from onetime.service.health import readiness
from onetime.service.sealing import Heartbeat
from onetime.service.supervision import Backoff, describe_exit
from onetime.storage.database import Database


class TestBackoff:
    def test_doubles_from_one_second_up_to_a_minute(self):
        """A sealer that keeps dying waits 1, 2, 4 … s, never more than 60 s."""
        backoff = Backoff()
        assert [backoff.after_exit(ran=0.1) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]

    def test_a_sealer_that_ran_a_minute_starts_again_after_one_second(self):
        """The delay resets once a run has lasted `stable` seconds."""
        backoff = Backoff()
        for _ in range(5):
            backoff.after_exit(ran=0.1)
        assert backoff.after_exit(ran=60.0) == 1
        assert backoff.after_exit(ran=0.1) == 2

    def test_exit_described_by_signal_name(self):
        assert describe_exit(-9) == "killed by SIGKILL"
        assert describe_exit(1) == "exit status 1"


class TestHeartbeat:
    def test_fresh_after_a_beat_and_down_once_cleared(self, tmp_path):
        """A beat is seen at once; clear() (the sealer was reaped) is "down" at once."""
        heartbeat = Heartbeat(tmp_path / "sealer.heartbeat")
        assert not heartbeat.fresh()
        heartbeat.beat()
        assert heartbeat.fresh()
        assert (tmp_path / "sealer.heartbeat").stat().st_mode & 0o777 == 0o600
        heartbeat.clear()
        assert not heartbeat.fresh()

    def test_an_old_beat_is_stale(self, tmp_path):
        """A sealer that stopped going round (stuck, or its server killed) is not running."""
        path = tmp_path / "sealer.heartbeat"
        path.write_text(json.dumps({"pid": 1, "monotonic": time.monotonic() - 11}))
        assert not Heartbeat(path, stale_after=10).fresh()
        assert Heartbeat(path, stale_after=20).fresh()

    def test_beats_at_most_once_a_second(self, tmp_path):
        path = tmp_path / "sealer.heartbeat"
        heartbeat = Heartbeat(path, every=60)
        heartbeat.beat()
        first = path.read_text()
        heartbeat.beat()
        assert path.read_text() == first

    def test_garbage_is_not_a_beat(self, tmp_path):
        path = tmp_path / "sealer.heartbeat"
        path.write_text("{")
        assert not Heartbeat(path).fresh()


class TestReadiness:
    def test_ready_with_the_database_and_a_beating_sealer(self, ctx, tmp_path):
        heartbeat = Heartbeat(tmp_path / "sealer.heartbeat")
        heartbeat.beat()
        ready = readiness(ctx, heartbeat)
        assert (ready.ready, ready.database, ready.sealer) == (True, "ok", "running")

    def test_not_ready_while_the_sealer_is_down(self, ctx, tmp_path):
        ready = readiness(ctx, Heartbeat(tmp_path / "sealer.heartbeat"))
        assert (ready.ready, ready.database, ready.sealer) == (False, "ok", "down")

    def test_no_dedicated_sealer_is_not_a_reason_to_wait(self, ctx):
        ready = readiness(ctx, None)
        assert (ready.ready, ready.sealer) == (True, "off")

    def test_not_ready_when_the_database_refuses_connections(self, ctx, tmp_path):
        """Nothing listens on port 1: the check says "down" instead of raising."""
        unreachable = Database("postgresql+psycopg://postgres@127.0.0.1:1/none")
        try:
            ready = readiness(ctx.__class__(db=unreachable, keyring=ctx.keyring,
                                            clock=ctx.clock, setup_kdf=ctx.setup_kdf), None)
        finally:
            unreachable.dispose()
        assert (ready.ready, ready.database) == (False, "down")
