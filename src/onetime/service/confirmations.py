"""取引確認 use cases: the site asks and books, the app lists and decides, OCRA offline.

Every decision and its audit entry commit together. The audit holds the request ID and
the operation, never a signature, a MAC, a key or an OCRA response.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from onetime.domain import values
from onetime.domain.confirmations import (
    ID_PATTERN,
    Confirmation,
    ConfirmationState,
    TransactionDetails,
    canonical,
    expires_at,
)
from onetime.domain.documents import Verification
from onetime.domain.errors import (
    BadSignature,
    ConfirmationDisabled,
    ConfirmationExpired,
    ConfirmationNotFound,
    ConfirmationNotPending,
    ConfirmationTokenNotActive,
    ConfirmationVoided,
    InvalidAppAuth,
    InvalidConfirmation,
    InvalidUserId,
    UnknownInstitution,
)
from onetime.domain.institutions import Institution
from onetime.domain.tokens import Token, TokenState, secret_aad
from onetime.domain.verification import Result
from onetime.otp import ocra
from onetime.service.context import Context
from onetime.service.institutions import InstitutionService
from onetime.service.notifications import queue_mail
from onetime.setup import token_keys
from onetime.setup.token_keys import OCRA_SUITE, Purpose
from onetime.storage.database import Connection

S = ConfirmationState
# How far an app's clock may be from the service's: the app checks its clock (時刻確認),
# and a request older than this cannot be held back and replayed later.
APP_CLOCK_TOLERANCE = timedelta(minutes=5)
_ACCOUNT_NUMBER_LENGTH = 7


@dataclass(frozen=True)
class AppRequest:
    """What an app request carries to authenticate itself (api/routes_app.py)."""

    service_id: str
    user_id: str
    serial: str
    timestamp_ms: int
    mac: bytes
    method: str
    path: str
    body: bytes


@dataclass(frozen=True)
class AppSession:
    """An authenticated app request: the institution and the token that signs."""

    institution: Institution
    token: Token
    secret: bytes


class ConfirmationService:
    def __init__(self, ctx: Context, institutions: InstitutionService) -> None:
        self.ctx = ctx
        self.institutions = institutions

    # -- the site (API key) ---------------------------------------------------------

    def create(self, institution: Institution, user_id: str, details: object, *,
               actor: str | None = None, source_ip: str | None = None) -> Confirmation:
        """A pending request for the user's active token, open for 5 minutes.

        Raises ConfirmationDisabled, InvalidConfirmation, InvalidUserId or
        ConfirmationTokenNotActive, before any write.
        """
        values.user_id(user_id)
        if not institution.settings.online_confirmation:
            raise ConfirmationDisabled("online transaction confirmation is off")
        parsed = TransactionDetails.from_mapping(details)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            token = self.ctx.tokens.get(conn, institution.id, user_id)
            if token is None or token.current_state(now) != TokenState.ACTIVE:
                raise ConfirmationTokenNotActive("the user has no active token to sign with")
            request = Confirmation(
                id=secrets.token_urlsafe(24), institution_id=institution.id,
                user_id=user_id, serial=token.serial, details=parsed, state=S.PENDING,
                created_at=now, expires_at=expires_at(now))
            self.ctx.confirmations.add(conn, request)
            self._audit(conn, request, "confirmation_created", now, actor=actor,
                        source_ip=source_ip)
        return request

    def get(self, institution: Institution, user_id: str, request_id: str) -> Confirmation:
        """The request as it is now (an expired one is stored so, once, with its audit
        entry). Raises ConfirmationNotFound."""
        request = self._find(institution, user_id, request_id)
        return self._expire_if_due(request, self.ctx.clock.now())

    def execute(self, institution: Institution, user_id: str, request_id: str,
                details: object, *, actor: str | None = None,
                source_ip: str | None = None) -> Confirmation:
        """The site books the transaction: only a confirmed request, only with exactly the
        details confirmed, and only once.

        Different details void the request (ConfirmationVoided). Raises
        ConfirmationNotFound, ConfirmationNotPending (not confirmed, or booked already),
        InvalidConfirmation.
        """
        presented = TransactionDetails.from_mapping(details)
        request = self._find(institution, user_id, request_id)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if presented != request.details:
                # Changed after the user saw it: neither the confirmed request nor a
                # pending one may stand for the new details.
                if any(self.ctx.confirmations.decide(conn, request.id, from_state=state,
                                                     to_state=S.VOIDED, now=now)
                       for state in (S.CONFIRMED, S.PENDING)):
                    self._audit(conn, request, "confirmation_voided", now, actor=actor,
                                source_ip=source_ip)
            elif self.ctx.confirmations.decide(conn, request.id, from_state=S.CONFIRMED,
                                               to_state=S.EXECUTED, now=now):
                self._audit(conn, request, "confirmation_executed", now, actor=actor,
                            source_ip=source_ip)
                return _with_state(request, S.EXECUTED)
        if presented != request.details:
            # Voided now, or it was never confirmed: either way nothing may be booked.
            raise ConfirmationVoided("the details differ from the confirmed request")
        raise ConfirmationNotPending("the request is not confirmed, or was booked already")

    # -- the app (authenticated by its token) ---------------------------------------

    def authenticate_app(self, request: AppRequest) -> AppSession:
        """Check an app request's MAC and time, and take its time so it cannot be replayed.

        Raises InvalidAppAuth for every failure alike (unknown service or user, a token
        not active, another serial, a stale time, a wrong MAC, a replay).
        """
        now = self.ctx.clock.now()
        sent_at = request.timestamp_ms / 1000
        if abs(now.timestamp() - sent_at) > APP_CLOCK_TOLERANCE.total_seconds():
            raise InvalidAppAuth("the request's time is too far from the service's")
        try:
            institution = self.institutions.get(request.service_id)
            values.user_id(request.user_id)
        except (UnknownInstitution, InvalidUserId):
            raise InvalidAppAuth("invalid token authentication") from None
        with self.ctx.db.read() as conn:
            token = self.ctx.tokens.get(conn, institution.id, request.user_id)
        if (token is None or token.current_state(now) != TokenState.ACTIVE
                or token.serial != request.serial):
            raise InvalidAppAuth("invalid token authentication")
        secret = self._secret(institution, token)
        key = token_keys.derive(secret, Purpose.APP_REQUEST, institution.service_id,
                                token.user_id, token.serial)
        expected = token_keys.request_mac(key, method=request.method, path=request.path,
                                          timestamp_ms=request.timestamp_ms,
                                          body=request.body)
        if not hmac.compare_digest(expected, request.mac):
            raise InvalidAppAuth("invalid token authentication")
        with self.ctx.db.write() as conn:
            if not self.ctx.confirmations.advance_app_clock(conn, token.id, token.serial,
                                                            request.timestamp_ms):
                raise InvalidAppAuth("invalid token authentication")
        return AppSession(institution, token, secret)

    def pending(self, session: AppSession) -> list[Confirmation]:
        """The requests the app may show, oldest first."""
        now = self.ctx.clock.now()
        with self.ctx.db.read() as conn:
            return self.ctx.confirmations.pending(conn, session.institution.id,
                                                  session.token.user_id,
                                                  session.token.serial, now)

    def confirm(self, session: AppSession, request_id: str, signature: bytes, *,
                source_ip: str | None = None) -> Confirmation:
        """承認: the signature over this request's canonical encoding; once, in 5 minutes.

        Raises ConfirmationNotFound, ConfirmationExpired, ConfirmationNotPending (decided
        already: a replayed signature), BadSignature (nothing is written then).
        """
        request, now = self._open(session, request_id)
        key = token_keys.derive(session.secret, Purpose.SIGNATURE,
                                session.institution.service_id, request.user_id,
                                request.serial)
        if not token_keys.signature_valid(key, self.canonical(session.institution, request),
                                          signature):
            raise BadSignature("the signature does not match this request")
        return self._decide(request, S.CONFIRMED, "confirmation_confirmed", now, source_ip)

    def reject(self, session: AppSession, request_id: str, *,
               source_ip: str | None = None) -> Confirmation:
        """否認: the user refuses; the site will not book it. Raises as `confirm`."""
        request, now = self._open(session, request_id)
        return self._decide(request, S.REJECTED, "confirmation_rejected", now, source_ip)

    @staticmethod
    def canonical(institution: Institution, request: Confirmation) -> bytes:
        return canonical(request_id=request.id, service_id=institution.service_id,
                         user_id=request.user_id, serial=request.serial,
                         details=request.details, expires=request.expires_at)

    # -- OCRA, offline (API key) -----------------------------------------------------

    def verify_ocra(self, institution: Institution, user_id: str, challenge: object,
                    response: object, *, source_ip: str | None = None) -> Verification:
        """Check the app's OCRA response to the payee's account number (offline 取引確認).

        The current minute and one either side, each step once (like a code, rule 2); a
        wrong or replayed response counts toward suspension. Raises ConfirmationDisabled,
        InvalidConfirmation (challenge), InvalidCodeFormat (response), InvalidUserId.
        """
        values.user_id(user_id)
        if not institution.settings.offline_confirmation:
            raise ConfirmationDisabled("offline transaction confirmation is off")
        if not (isinstance(challenge, str) and challenge.isascii() and challenge.isdigit()
                and len(challenge) == _ACCOUNT_NUMBER_LENGTH):
            raise InvalidConfirmation("challenge must be the 7-digit account number")
        answer = values.code(response, OCRA_SUITE.digits)
        now = self.ctx.clock.now()
        with self.ctx.db.read() as conn:
            token = self.ctx.tokens.get(conn, institution.id, user_id)
        state = token.current_state(now) if token else TokenState.NONE
        settings = institution.settings
        with self.ctx.db.write() as conn:
            entry = {"at": now, "institution_id": institution.id, "event": "ocra_verified",
                     "user_id": user_id, "actor": f"user:{user_id}", "source_ip": source_ip,
                     "operation": "transfer"}
            if state == TokenState.SUSPENDED:
                self.ctx.audit.append(conn, **entry, result=Result.SUSPENDED.value)
                return Verification(Result.SUSPENDED, 0, state)
            if state != TokenState.ACTIVE:
                self.ctx.audit.append(conn, **entry, result=Result.NOT_ACTIVE.value)
                return Verification(Result.NOT_ACTIVE, None, state)
            step = self._ocra_step(institution, token, challenge, answer, now)
            if step is not None and self.ctx.confirmations.use_ocra_step(
                    conn, token.id, token.serial, step):
                self.ctx.audit.append(conn, **entry, result=Result.ACCEPTED.value)
                return Verification(Result.ACCEPTED, settings.max_failures, state)
            counted = self.ctx.tokens.record_failure(conn, token, settings.max_failures, now)
            failures, new_state = counted or (settings.max_failures, TokenState.SUSPENDED)
            result = Result.SUSPENDED if new_state == TokenState.SUSPENDED else Result.REJECTED
            self.ctx.audit.append(conn, **entry, result=result.value,
                                  detail={"replay": True} if step is not None else None)
            if counted and new_state == TokenState.SUSPENDED:
                self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                      event="token_suspended", user_id=user_id,
                                      actor="system", source_ip=source_ip,
                                      detail={"failures": failures})
                queue_mail(self.ctx.outbox, conn, institution, token.email,
                           "token_suspended", now, user_id=user_id, suspended_at=now)
            left = 0 if result == Result.SUSPENDED else max(settings.max_failures - failures, 0)
            return Verification(result, left, new_state)

    def _ocra_step(self, institution: Institution, token: Token, challenge: str,
                   answer: str, now: datetime) -> int | None:
        """The step within the window whose response is `answer`, or None."""
        key = token_keys.derive(self._secret(institution, token), Purpose.OCRA,
                                institution.service_id, token.user_id, token.serial)
        current = OCRA_SUITE.timestamp_at(now.timestamp())
        window = institution.settings.window
        found = None
        for step in range(current - window, current + window + 1):
            expected = ocra(OCRA_SUITE, key, question=challenge, timestamp=step)
            # Every step is computed and compared: the time does not tell which matched.
            if hmac.compare_digest(expected, answer):
                found = step
        return found

    # -- shared -----------------------------------------------------------------------

    def _secret(self, institution: Institution, token: Token) -> bytes:
        return self.ctx.keyring.decrypt(token.secret_key_id, token.secret_blob,
                                        secret_aad(institution.id, token.user_id,
                                                   token.serial))

    def _find(self, institution: Institution, user_id: str, request_id: str) -> Confirmation:
        values.user_id(user_id)
        if not isinstance(request_id, str) or not ID_PATTERN.fullmatch(request_id):
            raise ConfirmationNotFound("no such confirmation request")
        with self.ctx.db.read() as conn:
            request = self.ctx.confirmations.get(conn, institution.id, user_id, request_id)
        if request is None:
            raise ConfirmationNotFound("no such confirmation request")
        return request

    def _open(self, session: AppSession, request_id: str) -> tuple[Confirmation, datetime]:
        """The session's request, still pending now. A request made for an earlier token
        of the user is not found: only the token it names may decide it."""
        request = self._find(session.institution, session.token.user_id, request_id)
        if request.serial != session.token.serial:
            raise ConfirmationNotFound("no such confirmation request")
        now = self.ctx.clock.now()
        state = self._expire_if_due(request, now).state
        if state == S.EXPIRED:
            raise ConfirmationExpired("the 5 minutes to confirm are over")
        if state != S.PENDING:
            raise ConfirmationNotPending(f"the request is {state.value} already")
        return request, now

    def _decide(self, request: Confirmation, to_state: ConfirmationState, event: str,
                now: datetime, source_ip: str | None) -> Confirmation:
        with self.ctx.db.write() as conn:
            if self.ctx.confirmations.decide(conn, request.id, from_state=S.PENDING,
                                             to_state=to_state, now=now,
                                             before_expiry=True):
                self._audit(conn, request, event, now, actor=f"user:{request.user_id}",
                            source_ip=source_ip)
                return _with_state(request, to_state, decided_at=now)
        # A concurrent decision won, or the request expired meanwhile.
        raise ConfirmationNotPending("the request was decided already")

    def _expire_if_due(self, request: Confirmation, now: datetime) -> Confirmation:
        if request.current_state(now) != S.EXPIRED or request.state == S.EXPIRED:
            return request
        with self.ctx.db.write() as conn:
            if self.ctx.confirmations.expire(conn, request.id, now):
                self._audit(conn, request, "confirmation_expired", now, actor="system")
        return _with_state(request, S.EXPIRED)

    def _audit(self, conn: Connection, request: Confirmation, event: str, now: datetime, *,
               actor: str | None, source_ip: str | None = None) -> None:
        self.ctx.audit.append(conn, at=now, institution_id=request.institution_id,
                              event=event, user_id=request.user_id, actor=actor,
                              operation=request.details.operation.value,
                              source_ip=source_ip, detail={"confirmation": request.id})


def _with_state(request: Confirmation, state: ConfirmationState, *,
                decided_at: datetime | None = None) -> Confirmation:
    return Confirmation(request.id, request.institution_id, request.user_id, request.serial,
                        request.details, state, request.created_at, request.expires_at,
                        decided_at or request.decided_at)
