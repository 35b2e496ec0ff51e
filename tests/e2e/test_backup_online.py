"""`onetime backup` while a real server accepts verifications and seals the audit trail.

The backup is the database at one instant, and the anchor of that instant: restored
elsewhere, `audit verify` passes, every code the server had accepted before the backup
began stays used, and every code first sent after it ended is still unused there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from bench.loader import load_active_tokens
from onetime.config import Config
from onetime.otp import step_at
from onetime.service.services import Services, build_context
from onetime.storage.schema import tokens
from tests.e2e import servers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("races")]

TOKENS = 3_000  # more than the verifications a backup's run can overlap
AFTER = 50  # verifications sent once the backup has ended
LIMIT_SECONDS = 240.0


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onetime.cli", *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=180)


def test_a_backup_taken_under_load_restores_to_one_consistent_instant(site, tmp_path):
    loaded = load_active_tokens(site.ctx, site.institution, TOKENS)
    period = site.institution.settings.period
    backup = tmp_path / "online.backup"
    # (index, sent, answered, result, step), appended by the verifying thread
    results: list[tuple[int, float, float, str]] = []
    window: dict[str, float] = {}
    stop = threading.Event()

    with servers.serve(site.env, site.dir) as (server,):
        base = f"{server.url}/api/v1/services/{site.institution.service_id}/users"
        headers = {"Authorization": f"Bearer {site.api_key}"}

        def verify_in_turn() -> None:
            deadline = time.monotonic() + LIMIT_SECONDS
            with httpx.Client(headers=headers, timeout=30) as client:
                for index in range(TOKENS):
                    if stop.is_set() or time.monotonic() > deadline:
                        return
                    step = step_at(time.time(), period)
                    sent = time.monotonic()
                    answer = client.post(f"{base}/{loaded.user_id(index)}/verifications",
                                         json={"code": loaded.code(index, step),
                                               "operation": "transfer"})
                    results.append((index, sent, time.monotonic(), answer.json()["result"],
                                    step))
                    if "ended" in window and sent > window["ended"] and \
                            sum(1 for r in results if r[1] > window["ended"]) >= AFTER:
                        return

        during = threading.Thread(target=verify_in_turn)
        during.start()
        while len(results) < 20 and during.is_alive():
            time.sleep(0.05)
        window["began"] = time.monotonic()
        made = cli(site.env, "backup", str(backup))
        window["ended"] = time.monotonic()
        during.join(timeout=LIMIT_SECONDS)
        stop.set()
        assert made.returncode == 0, made.stderr

    assert {r[3] for r in results} == {"accepted"}
    before = [r for r in results if r[2] < window["began"]]
    overlapping = [r for r in results if window["began"] <= r[1] <= window["ended"]]
    after = [r for r in results if r[1] > window["ended"]]
    assert before, "nothing was verified before the backup"
    assert overlapping, "no verification overlapped the backup"
    assert len(after) >= AFTER

    # Restored into a second installation: the same key file, its own empty database.
    other = tmp_path / "restored"
    other.mkdir()
    (other / "keys.json").write_bytes(site.key_file.read_bytes())
    env = {**site.env, "ONETIME_VAR": str(other), "ONETIME_KEY_FILE": str(other / "keys.json")}
    with servers.postgres_database() if site.kind == "postgresql" else _sqlite(other) as url:
        env["ONETIME_DATABASE_URL"] = url
        restored = cli(env, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        verified = cli(env, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        services = Services.from_context(build_context(Config.from_env(env)))
        try:
            with services.ctx.db.read() as conn:
                last_steps = dict(conn.execute(
                    select(tokens.c.user_id, tokens.c.last_step)).all())
            used = sorted(int(u.removeprefix("u")) for u, s in last_steps.items()
                          if s is not None)
            # One instant: the tokens used then are the first k, k between the ones
            # answered before the backup began and the ones sent before it ended.
            assert used == list(range(len(used)))
            assert len(before) <= len(used) <= len(before) + len(overlapping)
            for index, step in [(r[0], r[4]) for r in before]:
                assert last_steps[loaded.user_id(index)] == step
            institution = services.institutions.get(site.institution.service_id)
            first_after = after[0][0]
            step = step_at(time.time(), period)
            assert services.tokens.verify(institution, loaded.user_id(first_after),
                                          loaded.code(first_after, step),
                                          "transfer").result == "accepted"
        finally:
            services.ctx.db.dispose()


class _sqlite:
    """The URL of a new SQLite file in `directory`, as a context like postgres_database."""

    def __init__(self, directory) -> None:
        self.url = f"sqlite:///{directory / 'onetime.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc) -> None:
        return None
