"""A bank, its users and their token apps, as the service tests drive them.

`Bank` plays both sides: the banking backend calling the use cases, and the
user's app running the setup protocol and computing codes from the secret.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from onetime.crypto import TEST_KDF
from onetime.domain.audit import AuditEntry
from onetime.domain.clock import FakeClock
from onetime.domain.documents import TokenDocument, Verification
from onetime.domain.errors import SetupFailed
from onetime.domain.institutions import Institution
from onetime.domain.tokens import Token
from onetime.otp import totp
from onetime.service import keys
from onetime.service.services import Services
from onetime.service.setup import SetupFinished
from onetime.setup.protocol import Client
from onetime.storage.schema import audit_log

# Long and unusual, so a scan of the database cannot find it by chance.
PASSWORD = "739164825031"
SOURCE_IP = "203.0.113.10"


def secret_of(payload: dict) -> bytes:
    """The raw key from the base32 `secret` the app receives."""
    text = payload["secret"]
    return base64.b32decode(text + "=" * (-len(text) % 8))


@dataclass
class Bank:
    services: Services
    institution: Institution
    clock: FakeClock
    # Everything a user typed or received, for the scans that must not find it.
    codes: list[str] = field(default_factory=list)
    passwords: list[str] = field(default_factory=list)
    secrets: list[bytes] = field(default_factory=list)

    # -- the banking backend --------------------------------------------------

    def issue(self, user_id: str, password: str = PASSWORD) -> TokenDocument:
        self.passwords.append(password)
        return self.services.tokens.issue_token(
            self.institution, user_id, f"{user_id}@example.jp", password,
            actor=f"user:{user_id}", source_ip=SOURCE_IP)

    def doc(self, user_id: str) -> TokenDocument:
        return self.services.tokens.get_token(self.institution, user_id)

    def verify(self, user_id: str, code: str, operation: str = "transfer") -> Verification:
        self.codes.append(code)
        return self.services.tokens.verify(self.institution, user_id, code, operation,
                                           source_ip=SOURCE_IP)

    def confirm(self, user_id: str, code: str) -> Verification:
        self.codes.append(code)
        return self.services.tokens.confirm(self.institution, user_id, code,
                                            source_ip=SOURCE_IP)

    def release(self, user_id: str) -> TokenDocument:
        return self.services.tokens.release(self.institution, user_id, actor="user:master",
                                            reason="本人確認済み", source_ip=SOURCE_IP)

    def revoke(self, user_id: str) -> TokenDocument:
        return self.services.tokens.revoke(self.institution, user_id, actor="user:master",
                                           reason="機種変更", source_ip=SOURCE_IP)

    # -- the user's app --------------------------------------------------------

    def start_setup(self, user_id: str, password: str = PASSWORD):
        """Send the app's first message; returns (client, the service's answer)."""
        self.passwords.append(password)
        client = Client(self.institution.service_id, user_id, password, TEST_KDF)
        started = self.services.setup.start(self.institution.service_id, user_id,
                                            client.message, source_ip=SOURCE_IP)
        return client, started

    def finish_setup(self, client: Client, started) -> SetupFinished:
        mac = client.answer(started.session_id, started.message)
        return self.services.setup.finish(started.session_id, mac, source_ip=SOURCE_IP)

    def set_up(self, user_id: str, password: str = PASSWORD) -> dict:
        """Initial setup in the app; returns the token payload it opened."""
        client, started = self.start_setup(user_id, password)
        done = self.finish_setup(client, started)
        payload = client.open(done.server_mac, done.sealed)
        self.secrets.append(secret_of(payload))
        return payload

    def activated(self, user_id: str, password: str = PASSWORD) -> bytes:
        """Issued and set up, awaiting confirmation; returns the secret."""
        self.issue(user_id, password)
        return secret_of(self.set_up(user_id, password))

    def active(self, user_id: str, password: str = PASSWORD) -> bytes:
        """Confirmed; the user comes back 5 minutes later, so no nearby step is used up."""
        secret = self.activated(user_id, password)
        assert self.confirm(user_id, self.code(secret)).result == "accepted"
        self.clock.advance(timedelta(minutes=5))
        return secret

    def suspended(self, user_id: str) -> bytes:
        secret = self.active(user_id)
        for _ in range(self.institution.settings.max_failures):
            self.verify(user_id, self.wrong_code(secret))
        assert self.doc(user_id).state == "suspended"
        return secret

    def code(self, secret: bytes, steps: int = 0) -> str:
        """The code the app shows now, or `steps` periods from now."""
        at = self.clock.now() + timedelta(seconds=60 * steps)
        return totp(secret, at.timestamp(), digits=8, period=60)

    def wrong_code(self, secret: bytes) -> str:
        """A code no step within two of now produces."""
        near = {self.code(secret, s) for s in range(-2, 3)}
        candidate = int(self.code(secret))
        while f"{candidate:08d}" in near:
            candidate = (candidate + 1) % 10**8
        return f"{candidate:08d}"

    # -- what the database holds ---------------------------------------------

    def token(self, user_id: str) -> Token | None:
        ctx = self.services.ctx
        with ctx.db.read() as conn:
            return ctx.tokens.get(conn, self.institution.id, user_id)

    def audit(self, event: str | None = None, user_id: str | None = None) -> list[AuditEntry]:
        """Every entry of the trail (any institution), oldest first, optionally filtered."""
        query = select(audit_log).order_by(audit_log.c.id)
        if event is not None:
            query = query.where(audit_log.c.event == event)
        if user_id is not None:
            query = query.where(audit_log.c.user_id == user_id)
        with self.services.ctx.db.read() as conn:
            return [_as_entry(r) for r in conn.execute(query)]


def _as_entry(row) -> AuditEntry:
    columns = dict(row._mapping)
    columns["detail"] = json.loads(columns["detail"]) if columns["detail"] else None
    return AuditEntry(**columns)


def live_full_lives(bank: Bank) -> None:
    """Several users through every arrow of the life cycle, with the usual mistakes.

    taro changes phones (revoked, issued again after the embargo); hanako is
    suspended and released; jiro's issuance times out; saburo never confirms;
    shiro types five wrong activation passwords. Every code, password and secret
    used is recorded on `bank` for the scans that must not find them.
    """
    old = bank.active("taro")
    bank.verify("taro", bank.code(old), "approval")
    bank.verify("taro", bank.code(old), "approval")  # a replay
    bank.verify("taro", bank.wrong_code(old))
    bank.suspended("hanako")
    bank.release("hanako")
    bank.issue("jiro")
    bank.activated("saburo")
    bank.issue("shiro", "4444555566")
    for _ in range(5):
        with pytest.raises(SetupFailed):
            bank.set_up("shiro", "000011112222")
    keys.rotate(bank.services.ctx)
    revoked = bank.revoke("taro")
    bank.clock.set(revoked.setup_available_at)
    bank.issue("taro", "246813579024")
    with pytest.raises(SetupFailed):
        bank.set_up("taro", "135792468013")
    new = secret_of(bank.set_up("taro", "246813579024"))
    bank.confirm("taro", bank.wrong_code(new))
    bank.confirm("taro", bank.code(new))
    bank.clock.advance(timedelta(hours=72))
    for user_id in ("taro", "hanako", "jiro", "saburo", "shiro"):
        bank.doc(user_id)
