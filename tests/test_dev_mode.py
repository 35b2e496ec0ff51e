"""Test hooks stay out of production: a clock file and argon2's minimum cost exist only in
the explicit development mode (`onetime serve --dev`, `onetime demo`), on the loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from onetime.app.config import AppConfig
from onetime.app.vault import MIN_UNLOCK_SECONDS, VAULT_KDF
from onetime.config import Config
from onetime.crypto import PRODUCTION_KDF
from onetime.service.services import build_context
from onetime.web.config import SiteConfig
from tests.e2e import servers
from tests.polling import eventually

LONG_AGO = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.fixture
def hooks(tmp_path) -> dict[str, str]:
    """The environment of a deployment where someone left (or planted) the test hooks."""
    clock_file = tmp_path / "clock"
    clock_file.write_text(LONG_AGO.isoformat())
    return {"ONETIME_VAR": str(tmp_path / "var"), "ONETIME_CLOCK_FILE": str(clock_file),
            "ONETIME_KDF": "test", "ONETIME_SMTP_PORT": str(servers.free_port())}


def near_now(instant: datetime) -> bool:
    return abs(instant - datetime.now(UTC)) < timedelta(minutes=5)


def run_cli(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onetime.cli", *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout)


def served_time(env: dict[str, str], log: Path, *args: str) -> datetime:
    """What /api/v1/time says on `onetime serve ARGS` started in `env`."""
    server = servers.start(env, log, extra_args=args)
    try:
        servers.wait_ready(server)
        return datetime.fromisoformat(httpx.get(f"{server.url}/api/v1/time").json()["now"])
    finally:
        server.stop()


class TestProductionConfig:
    def test_has_no_clock_file_and_no_kdf_switch(self):
        """Nothing in the production Config can move the clock or cheapen argon2id."""
        assert {"clock_file", "kdf_profile"}.isdisjoint(f.name for f in fields(Config))

    def test_ignores_the_test_hooks_in_the_environment(self, hooks):
        """ONETIME_CLOCK_FILE and ONETIME_KDF=test change nothing: system clock, real cost."""
        config = Config.from_env(hooks)
        ctx = build_context(config, create_keys=True)
        try:
            assert near_now(ctx.clock.now())
            assert ctx.setup_kdf == PRODUCTION_KDF
        finally:
            ctx.db.dispose()
        assert SiteConfig.from_config(config, {}).kdf_profile == "production"

    def test_served_clock_is_the_system_clock(self, hooks, tmp_path):
        """`onetime serve` (no --dev) in that environment serves the real time."""
        assert near_now(served_time(hooks, tmp_path / "serve.log", "--site"))


class TestDevMode:
    def test_serve_dev_reads_the_clock_file(self, hooks, tmp_path):
        """`--dev --clock-file F --kdf test`: the server's time is the file's."""
        env = {k: v for k, v in hooks.items() if k not in ("ONETIME_CLOCK_FILE", "ONETIME_KDF")}
        served = served_time(env, tmp_path / "serve.log", "--dev", "--clock-file",
                             hooks["ONETIME_CLOCK_FILE"], "--kdf", "test")
        assert served == LONG_AGO

    @pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
    def test_serve_dev_refuses_a_non_loopback_address(self, hooks, host):
        """A clock file on a reachable address would let others move the bank's time."""
        port = servers.free_port()
        result = run_cli(hooks, "serve", "--dev", "--kdf", "test", "--host", host,
                         "--port", str(port))
        assert result.returncode != 0
        assert "--dev is refused on a non-loopback address" in result.stderr
        assert "Uvicorn running" not in result.stdout + result.stderr

    def test_test_hooks_need_dev(self, hooks):
        """--clock-file or --kdf without --dev is a usage error, not a silent production run."""
        result = run_cli(hooks, "serve", "--clock-file", hooks["ONETIME_CLOCK_FILE"])
        assert result.returncode == 2
        assert "--clock-file and --kdf need --dev" in result.stderr

    def test_demo_refuses_a_non_loopback_address(self, hooks):
        """The demo publishes its passwords and every mail (/dev/mail): loopback only."""
        result = run_cli(hooks, "demo", "--host", "192.0.2.1", "--port",
                         str(servers.free_port()))
        assert result.returncode != 0
        assert "demo is refused on a non-loopback address" in result.stderr


class TestTokenApp:
    def test_app_config_ignores_the_test_hooks(self, hooks):
        """On the user's device too: the environment cannot weaken the lock or move time."""
        config = AppConfig.from_env(hooks)
        assert (config.protocol_kdf, config.lock_kdf) == (PRODUCTION_KDF, VAULT_KDF)
        assert config.min_unlock_seconds == MIN_UNLOCK_SECONDS
        assert near_now(config.clock.now())

    def test_dev_flags_set_the_clock_and_the_kdf(self, hooks, tmp_path):
        """`onetime-token --dev --kdf test --clock-file F` is the explicit switch."""
        from onetime.app import cli
        from onetime.crypto import TEST_KDF
        args = cli.parser().parse_args(["list", "--dev", "--kdf", "test", "--clock-file",
                                        hooks["ONETIME_CLOCK_FILE"]])
        config = cli.app_config(args, {})
        assert (config.protocol_kdf, config.lock_kdf) == (TEST_KDF, TEST_KDF)
        assert eventually(lambda: config.clock.now() == LONG_AGO, "the file's time")

    def test_app_test_hooks_need_dev(self, tmp_path):
        """--kdf or --clock-file without --dev: a usage error, nothing weakened."""
        from onetime.app import cli
        assert cli.main(["list", "--vault", str(tmp_path / "v.json"), "--kdf", "test"],
                        {}) == cli.EXIT_USAGE
