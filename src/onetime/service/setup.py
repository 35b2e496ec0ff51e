"""The service's half of the setup protocol (setup/protocol.py): issued → activated."""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from onetime.domain import values
from onetime.domain.errors import (
    IssuanceExpired,
    NoIssuance,
    SetupEmbargoed,
    SetupFailed,
    SetupSessionInvalid,
    UnknownInstitution,
)
from onetime.domain.institutions import Institution
from onetime.domain.tokens import Token, TokenState, secret_aad
from onetime.domain.values import SERVICE_ID_PATTERN
from onetime.observe import metrics
from onetime.service.context import Context
from onetime.service.institutions import InstitutionService
from onetime.service.notifications import queue_mail
from onetime.setup.protocol import (
    ProtocolError,
    SessionKeys,
    activation_aad,
    seal_payload,
    server_respond,
)
from onetime.storage.setup_sessions import SetupSession

SESSION_LIFETIME = timedelta(minutes=5)
SECRET_BYTES = 20  # 160 bits, RFC 4226 §4 R6


@dataclass(frozen=True)
class SetupStarted:
    session_id: str
    message: bytes


@dataclass(frozen=True)
class SetupFinished:
    server_mac: bytes
    sealed: bytes


def _session_aad(session_id: str) -> bytes:
    return f"setup-session|{session_id}".encode()


class SetupService:
    def __init__(self, ctx: Context, institutions: InstitutionService) -> None:
        self.ctx = ctx
        self.institutions = institutions

    def start(self, service_id: str, user_id: str, message: bytes,
              source_ip: str | None = None) -> SetupStarted:
        """Answer the app's SPAKE2 message for a waiting issuance.

        Raises NoIssuance, IssuanceExpired, SetupEmbargoed, SetupSessionInvalid, and
        ServiceUnavailable when the database cannot serve.
        """
        values.user_id(user_id)
        institution = self._institution(service_id)
        now = self.ctx.clock.now()
        with self.ctx.db.read() as conn:
            token = self.ctx.tokens.get(conn, institution.id, user_id)
            activation = (self.ctx.tokens.activation_key(conn, token.id, token.serial)
                          if token else None)
        token = self._waiting(institution, token, now)
        if activation is None:
            raise NoIssuance("no token issuance is waiting for setup")
        derived = self.ctx.keyring.decrypt(activation[0], activation[1],
                                           activation_aad(institution.id, user_id, token.serial))
        session_id = secrets.token_urlsafe(24)
        try:
            reply, keys = server_respond(service_id, user_id, derived, session_id, message)
        except ProtocolError:
            raise SetupSessionInvalid("the setup message is malformed") from None
        key_id, blob = self.ctx.keyring.encrypt(
            keys.confirm_client + keys.confirm_server + keys.encryption,
            _session_aad(session_id))
        session = SetupSession(id=session_id, token_id=token.id, serial=token.serial,
                               key_id=key_id, key_blob=blob, transcript_hash=keys.transcript)
        with self.ctx.db.write() as conn:
            self.ctx.setup_sessions.start(conn, session, created_at=now,
                                          expires_at=now + SESSION_LIFETIME,
                                          source_ip=source_ip)
        return SetupStarted(session_id, reply)

    def _institution(self, service_id: str) -> Institution:
        """Raises NoIssuance for a service ID that names no institution, as for an unknown
        user: the app, which needs no API key, must not learn which service IDs exist.
        ServiceUnavailable, and any bug, go up as they are."""
        if not SERVICE_ID_PATTERN.fullmatch(service_id):
            raise NoIssuance("no token issuance is waiting for setup")
        try:
            return self.institutions.get(service_id)
        except UnknownInstitution:
            raise NoIssuance("no token issuance is waiting for setup") from None

    def _waiting(self, institution: Institution, token: Token | None, now) -> Token:
        state = token.current_state(now) if token else TokenState.NONE
        if token is not None and (until := token.embargo_until(now)):
            raise SetupEmbargoed(until)
        if state == TokenState.EXPIRED:
            raise IssuanceExpired("the token issuance has expired; issue a new token")
        if state != TokenState.ISSUED or token is None:
            raise NoIssuance("no token issuance is waiting for setup")
        return token

    def finish(self, session_id: str, client_mac: bytes,
               source_ip: str | None = None) -> SetupFinished:
        """Check the app's key confirmation; on success hand out the secret, once.

        Raises SetupSessionInvalid (unknown, used or timed-out session), SetupFailed
        (wrong activation password; one attempt used), IssuanceExpired, NoIssuance.
        """
        now = self.ctx.clock.now()
        failure: Exception | None = None
        with self.ctx.db.write() as conn:
            # Consuming the session first makes a replayed `finish` fail without counting.
            session = self.ctx.setup_sessions.finish(conn, session_id, now)
            if session is None:
                raise SetupSessionInvalid("unknown, finished or timed-out setup session")
            token = self.ctx.tokens.by_id(conn, session.token_id)
            if token is None or token.serial != session.serial:
                raise NoIssuance("the issuance was replaced")
            institution = self.institutions.get(
                self.ctx.institutions.by_id(conn, token.institution_id).service_id)
            material = self.ctx.keyring.decrypt(session.key_id, session.key_blob,
                                                _session_aad(session_id))
            keys = SessionKeys(material[:32], material[32:64], material[64:],
                               session.transcript_hash)
            audit = {"at": now, "institution_id": institution.id, "user_id": token.user_id,
                     "actor": f"user:{token.user_id}", "source_ip": source_ip}
            if not hmac.compare_digest(keys.client_mac(), client_mac):
                counted = self.ctx.tokens.record_activation_failure(conn, token.id, token.serial,
                                                                    now)
                if counted is None:
                    failure = IssuanceExpired("the token issuance has expired")
                else:
                    left, state = counted
                    self.ctx.audit.append(conn, event="setup_failed", result="rejected",
                                          detail={"attempts_left": left}, **audit)
                    if state == TokenState.EXPIRED:
                        self.ctx.audit.append(conn, event="issuance_expired",
                                              detail={"serial": token.serial,
                                                      "reason": "activation_attempts"}, **audit)
                    failure = SetupFailed(left)
            else:
                secret = secrets.token_bytes(SECRET_BYTES)
                key_id, blob = self.ctx.keyring.encrypt(
                    secret, secret_aad(institution.id, token.user_id, token.serial))
                if not self.ctx.tokens.activate(conn, token.id, token.serial, key_id, blob, now):
                    raise IssuanceExpired("the token issuance has expired")
                self.ctx.audit.append(conn, event="token_set_up", result="accepted",
                                      detail={"serial": token.serial}, **audit)
                queue_mail(self.ctx.outbox, conn, institution, token.email, "token_set_up", now,
                           user_id=token.user_id, activated_at=now)
                payload = {
                    "service_id": institution.service_id, "user_id": token.user_id,
                    "institution_name": institution.name, "serial": token.serial,
                    "kind": token.kind.value, "algorithm": token.algorithm,
                    "digits": token.digits, "period": token.period,
                    "secret": base64.b32encode(secret).decode().rstrip("="),
                    "server_time": now.isoformat(),
                }
        if failure is not None:
            raise failure
        metrics.setup()
        return SetupFinished(keys.server_mac(), seal_payload(keys, payload))
