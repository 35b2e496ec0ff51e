"""The life cycle end to end through the use cases, on both databases."""

from __future__ import annotations

import base64

from onetime.crypto import TEST_KDF
from onetime.otp import totp
from onetime.setup.protocol import Client


def set_up(services, institution, user_id, password):
    client = Client(institution.service_id, user_id, password, TEST_KDF)
    started = services.setup.start(institution.service_id, user_id, client.message)
    mac = client.answer(started.session_id, started.message)
    done = services.setup.finish(started.session_id, mac)
    return client.open(done.server_mac, done.sealed)


def test_issue_setup_confirm_verify(services, institution, clock):
    doc = services.tokens.issue_token(institution, "taro", "taro@example.jp", "1234")
    assert doc.state == "issued"
    token = set_up(services, institution, "taro", "1234")
    secret = base64.b32decode(token["secret"] + "=" * (-len(token["secret"]) % 8))
    code = totp(secret, clock.now().timestamp(), digits=8, period=60)
    assert services.tokens.confirm(institution, "taro", code).result == "accepted"
    clock.advance(60)
    code = totp(secret, clock.now().timestamp(), digits=8, period=60)
    answer = services.tokens.verify(institution, "taro", code, "transfer")
    assert answer.result == "accepted"
    assert services.tokens.verify(institution, "taro", code, "transfer").result == "rejected"
