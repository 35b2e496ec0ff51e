"""`onetime keys rotate` while a server keeps verifying codes (issue 2, point 6).

The server never restarts: it meets ciphertexts under a key it has not loaded yet
and must pick the new key up from the key file by itself.
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
from onetime.otp import step_at
from onetime.storage.schema import tokens
from tests.e2e import servers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("races")]

TOKENS = 1_000  # enough that verifying them all outlasts the rotation


def test_rotation_rewraps_every_secret_while_codes_keep_verifying(site):
    """Every verification during and after the rotation is accepted; all secrets move."""
    loaded = load_active_tokens(site.ctx, site.institution, TOKENS)
    old_key = site.ctx.keyring.active_key_id()
    env = {**os.environ, **site.env}
    with servers.serve(site.env, site.dir) as (server,):
        base = f"{server.url}/api/v1/services/{site.institution.service_id}/users"
        headers = {"Authorization": f"Bearer {site.api_key}"}
        results: list[tuple[float, str]] = []

        def verify_all(offset: int) -> None:
            with httpx.Client(headers=headers, timeout=30) as client:
                for index in range(TOKENS):
                    step = step_at(site.ctx.clock.now().timestamp(), 60) + offset
                    sent = time.monotonic()
                    answer = client.post(f"{base}/{loaded.user_id(index)}/verifications",
                                         json={"code": loaded.code(index, step),
                                               "operation": "transfer"})
                    results.append((sent, answer.json()["result"]))

        during = threading.Thread(target=verify_all, args=(0,))
        during.start()
        began = time.monotonic()
        rotated = subprocess.run([sys.executable, "-m", "onetime.cli", "keys", "rotate"],
                                 env=env, capture_output=True, text=True, timeout=120)
        ended = time.monotonic()
        during.join(timeout=120)
        assert rotated.returncode == 0, rotated.stderr
        # After the rotation: the next step's code of every token, under the new key.
        verify_all(1)

    answers = [result for _, result in results]
    assert answers.count("accepted") == 2 * TOKENS, set(answers)
    assert any(began < sent < ended for sent, _ in results), "no request overlapped the rotation"
    assert "secrets re-wrapped" in rotated.stdout
    new_key = site.ctx.keyring.active_key_id()
    assert new_key != old_key
    with site.ctx.db.read() as conn:
        key_ids = {row[0] for row in conn.execute(select(tokens.c.secret_key_id))}
    assert key_ids == {new_key}
