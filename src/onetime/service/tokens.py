"""The token use cases: issue, read, confirm, verify, release, revoke.

Each write and its audit entry commit together, so an accepted or counted code never
lacks its audit entry. A verification reads the token first, outside the write: its
conditional UPDATEs check again what the read saw (see Database.read_then_write).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onetime.crypto import derive_key
from onetime.domain import values
from onetime.domain.documents import TokenDocument, Verification
from onetime.domain.embargo import setup_available_at
from onetime.domain.errors import (
    InvalidCodeFormat,
    NoIssuance,
    SetupEmbargoed,
    TokenExists,
    TokenNotFound,
    TokenNotSuspended,
)
from onetime.domain.institutions import Institution
from onetime.domain.tokens import Token, TokenKind, TokenState, secret_aad
from onetime.domain.values import Operation
from onetime.domain.verification import Match, Result, match_code
from onetime.observe import metrics
from onetime.otp import find_counter
from onetime.service.context import Context
from onetime.service.notifications import queue_mail
from onetime.setup.protocol import activation_aad, password_salt
from onetime.storage.conflicts import DuplicateKey
from onetime.storage.database import Connection, ReadThenWrite
from onetime.storage.tokens import NewToken

_DECOY_SECRET = secrets.token_bytes(20)


def new_serial() -> str:
    return "OT" + secrets.token_hex(8).upper()


class TokenService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- issuance ---------------------------------------------------------------

    def issue_token(self, institution: Institution, user_id: str, email: str,
                    activation_password: str, *, actor: str | None = None,
                    source_ip: str | None = None) -> TokenDocument:
        """Issue a token awaiting setup; replaces an unconfirmed one.

        Raises TokenExists (active or suspended) or SetupEmbargoed (rule 10).
        """
        values.user_id(user_id)
        values.email(email)
        values.activation_password(activation_password)
        settings = institution.settings
        # The slow argon2id runs before the transaction, so it holds no lock.
        derived = derive_key(activation_password,
                             password_salt(institution.service_id, user_id), self.ctx.setup_kdf)
        now = self.ctx.clock.now()
        serial = new_serial()
        key_id, blob = self.ctx.keyring.encrypt(
            derived, activation_aad(institution.id, user_id, serial))
        new = NewToken(
            serial=serial, state=TokenState.ISSUED, kind=TokenKind.TOTP, algorithm="sha1",
            digits=settings.digits, period=settings.period, email=email,
            activation_key_id=key_id, activation_blob=blob,
            activation_attempts_left=settings.activation_attempts,
            secret_key_id=None, secret_blob=None, issued_at=now,
            expires_at=now + timedelta(hours=settings.issuance_lifetime_hours),
        )
        for attempt in range(2):
            try:
                with self.ctx.db.write() as conn:
                    if not self.ctx.tokens.replace_or_insert(conn, institution.id, user_id,
                                                             new, now):
                        self._refuse_issuance(conn, institution, user_id, now)
                    self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                          event="token_issued", user_id=user_id, actor=actor,
                                          source_ip=source_ip, detail={"serial": serial})
                    queue_mail(self.ctx.outbox, conn, institution, email, "token_issued", now,
                               service_id=institution.service_id, user_id=user_id,
                               download_url=settings.download_url)
                    token = self.ctx.tokens.get(conn, institution.id, user_id)
                return TokenDocument.of(user_id, token, institution, now)
            except DuplicateKey:
                # Two first issuances for one user at once; the loser retries as a replace.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _refuse_issuance(self, conn: Connection, institution: Institution, user_id: str,
                         now: datetime) -> None:
        token = self.ctx.tokens.get(conn, institution.id, user_id)
        if token is not None and (until := token.embargo_until(now)):
            raise SetupEmbargoed(until)
        raise TokenExists("the user's token is active or suspended")

    # -- reading ----------------------------------------------------------------

    def get_token(self, institution: Institution, user_id: str) -> TokenDocument:
        values.user_id(user_id)
        now = self.ctx.clock.now()
        with self.ctx.db.read() as conn:
            token = self.ctx.tokens.get(conn, institution.id, user_id)
        if token is not None and token.current_state(now) == TokenState.EXPIRED \
                and token.state != TokenState.EXPIRED:
            self._expire(institution, token, now)
        return TokenDocument.of(user_id, token, institution, now)

    def _expire(self, institution: Institution, token: Token, now: datetime) -> None:
        """Make a timed-out issuance expired in storage too, once, with its audit entry."""
        with self.ctx.db.write() as conn:
            if self.ctx.tokens.expire(conn, token.id, token.serial, now):
                self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                      event="issuance_expired", user_id=token.user_id,
                                      actor="system",
                                      detail={"serial": token.serial, "reason": "lifetime"})

    # -- codes ------------------------------------------------------------------

    def verify(self, institution: Institution, user_id: str, code: object,
               operation: object, *, source_ip: str | None = None) -> Verification:
        """Check a code for an operation.

        Raises InvalidCodeFormat, InvalidOperation or InvalidUserId, before any write.
        """
        op = values.operation(operation)
        return self._check(institution, user_id, code, op, source_ip, confirming=False)

    def confirm(self, institution: Institution, user_id: str, code: object, *,
                source_ip: str | None = None) -> Verification:
        """Authentication confirmation (rule 7): the first code turns activated into active."""
        return self._check(institution, user_id, code, None, source_ip, confirming=True)

    def _check(self, institution: Institution, user_id: str, raw_code: object,
               op: Operation | None, source_ip: str | None, *, confirming: bool) -> Verification:
        """The hot path: one read, then one conditional write (accept) or a refusal's writes.

        Raises InvalidUserId or InvalidCodeFormat, before any write.
        """
        values.user_id(user_id)
        digits = _ascii_digits(raw_code)
        attempt = _Attempt(institution, user_id, op, source_ip, self.ctx.clock.now(),
                           confirming)
        with self.ctx.db.read_then_write() as tx:
            token = self.ctx.tokens.get(tx.conn, institution.id, user_id)
            code = _code(digits, token.digits if token else institution.settings.digits)
            state = token.current_state(attempt.now) if token else TokenState.NONE
            match = self._match_or_decoy(attempt, token, state, code)
            # Every answer writes from here on. The writes re-check in their WHERE clauses
            # what was read above; on SQLite only they hold the writer lock.
            if match and not match.replay and self._accept(tx, attempt, token, match):
                answer = Verification(Result.ACCEPTED, institution.settings.max_failures,
                                      TokenState.ACTIVE)
            else:
                answer = self._refuse(tx, attempt, token, state, match)
        # Counted once committed: a rolled-back answer was never given.
        metrics.verification(op.value if op else None, answer.result.value)
        if attempt.suspends:
            metrics.suspension()
        return answer

    def _match_or_decoy(self, attempt: _Attempt, token: Token | None, state: TokenState,
                        code: str) -> Match | None:
        """The step `code` matches if the token is in the state to take it, else None.

        An unknown user or a token in another state (but suspended) costs the same HMACs
        on a decoy key, so the time of the answer does not tell them from a wrong code.
        """
        if token is not None and state == attempt.wanted:
            secret = self.ctx.keyring.decrypt(
                token.secret_key_id, token.secret_blob,
                secret_aad(attempt.institution.id, attempt.user_id, token.serial))
            return match_code(token, secret, code, attempt.now,
                              attempt.institution.settings.window)
        if state != TokenState.SUSPENDED:
            find_counter(_DECOY_SECRET, code, range(3), digits=len(code), algorithm="sha1")
        return None

    def _accept(self, tx: ReadThenWrite, attempt: _Attempt, token: Token,
                match: Match) -> bool:
        """Use the matched step, with its audit entry; False if a concurrent request used
        it (or one after it) first. One statement on PostgreSQL (see TokenRepository.accept).
        """
        return self.ctx.tokens.accept(
            tx.write_one(), token, match.step, match.drift, attempt.now,
            confirming=attempt.confirming,
            audit_entry=self.ctx.audit.entry(**attempt.entry(Result.ACCEPTED,
                                                             drift=match.drift)))

    def _refuse(self, tx: ReadThenWrite, attempt: _Attempt, token: Token | None,
                state: TokenState, match: Match | None) -> Verification:
        """Every answer but accepted, audited in the same transaction as its writes."""
        if state == TokenState.SUSPENDED:
            # Same answer for right and wrong codes; nothing counted or used up.
            self._audit(tx.write_one(), attempt, Result.SUSPENDED)
            return Verification(Result.SUSPENDED, 0, state)
        if token is None or state != attempt.wanted:
            self._audit(tx.write_one(), attempt, Result.NOT_ACTIVE)
            return Verification(Result.NOT_ACTIVE, token.attempts_left(
                attempt.institution.settings, attempt.now) if token else None, state)
        # A wrong code, a replay, or a code whose step a concurrent request just used.
        return self._count_failure(tx, attempt, token, replay=match is not None)

    def _count_failure(self, tx: ReadThenWrite, attempt: _Attempt, token: Token, *,
                       replay: bool) -> Verification:
        """Count one failure; the one that reaches the limit suspends the token."""
        settings = attempt.institution.settings
        # Most failures leave the token active: one statement on PostgreSQL (with its
        # entry). The one that would suspend, or a token changed since the read, is
        # counted below in a transaction, with the suspension's entry and mail.
        failures = self.ctx.tokens.record_rejection(
            tx.write_one(), token, settings.max_failures, attempt.now,
            audit_entry=self.ctx.audit.entry(**attempt.entry(Result.REJECTED)),
            detail={"replay": replay or None})
        if failures is not None:
            return Verification(Result.REJECTED, max(settings.max_failures - failures, 0),
                                TokenState.ACTIVE if not attempt.confirming
                                else TokenState.ACTIVATED)
        conn = tx.write()
        counted = self.ctx.tokens.record_failure(conn, token, settings.max_failures,
                                                 attempt.now)
        if counted is None:  # suspended meanwhile by a concurrent failure
            self._audit(conn, attempt, Result.SUSPENDED, replay=replay or None)
            return Verification(Result.SUSPENDED, 0, TokenState.SUSPENDED)
        failures, new_state = counted
        if new_state == TokenState.SUSPENDED:
            self._audit(conn, attempt, Result.SUSPENDED, replay=replay or None,
                        failures=failures)
            self._suspended(conn, attempt, token, failures)
            return Verification(Result.SUSPENDED, 0, TokenState.SUSPENDED)
        self._audit(conn, attempt, Result.REJECTED, replay=replay or None, failures=failures)
        return Verification(Result.REJECTED, max(settings.max_failures - failures, 0),
                            new_state)

    def _suspended(self, conn: Connection, attempt: _Attempt, token: Token,
                   failures: int) -> None:
        """The suspension's own audit entry and mail, in the failure's transaction."""
        now, institution = attempt.now, attempt.institution
        self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                              event="token_suspended", user_id=attempt.user_id,
                              actor="system", source_ip=attempt.source_ip,
                              detail={"failures": failures})
        queue_mail(self.ctx.outbox, conn, institution, token.email, "token_suspended",
                   now, user_id=attempt.user_id, suspended_at=now)
        attempt.suspends.append(failures)

    def _audit(self, conn: Connection, attempt: _Attempt, result: Result, **detail) -> None:
        self.ctx.audit.append(conn, **attempt.entry(result, **detail))

    # -- management -------------------------------------------------------------

    def release(self, institution: Institution, user_id: str, *, actor: str, reason: str,
                source_ip: str | None = None) -> TokenDocument:
        """suspended → active, or activated if never confirmed (rule 8). Raises
        TokenNotSuspended."""
        values.user_id(user_id)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if not self.ctx.tokens.release(conn, institution.id, user_id):
                raise TokenNotSuspended("the user's token is not suspended")
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="token_released", user_id=user_id, actor=actor,
                                  source_ip=source_ip, detail={"reason": reason})
            token = self.ctx.tokens.get(conn, institution.id, user_id)
            queue_mail(self.ctx.outbox, conn, institution, token.email if token else None,
                       "token_released", now, user_id=user_id, released_at=now)
        metrics.release()
        return TokenDocument.of(user_id, token, institution, now)

    def revoke(self, institution: Institution, user_id: str, *, actor: str, reason: str,
               source_ip: str | None = None) -> TokenDocument:
        """Any live token → revoked, opening setup per rule 10. Raises TokenNotFound."""
        values.user_id(user_id)
        now = self.ctx.clock.now()
        available_at = setup_available_at(now, institution.settings)
        with self.ctx.db.write() as conn:
            if not self.ctx.tokens.revoke(conn, institution.id, user_id, now, available_at):
                raise TokenNotFound("the user has no token to revoke")
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="token_revoked", user_id=user_id, actor=actor,
                                  source_ip=source_ip,
                                  detail={"reason": reason,
                                          "setup_available_at": available_at.isoformat()})
            token = self.ctx.tokens.get(conn, institution.id, user_id)
            queue_mail(self.ctx.outbox, conn, institution, token.email if token else None,
                       "token_revoked", now, user_id=user_id, revoked_at=now,
                       setup_available_at=available_at)
        metrics.revocation()
        return TokenDocument.of(user_id, token, institution, now)

    def void_issuance(self, institution: Institution, user_id: str, *, actor: str,
                      reason: str, source_ip: str | None = None) -> TokenDocument:
        """An issued or set-up-but-unconfirmed token ends now, with no embargo, so the user
        issues afresh (a forgotten activation password, a lost mail). Raises NoIssuance."""
        values.user_id(user_id)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            serial = self.ctx.tokens.void_issuance(conn, institution.id, user_id)
            if serial is None:
                raise NoIssuance("no issuance is waiting for setup")
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="issuance_expired", user_id=user_id, actor=actor,
                                  source_ip=source_ip,
                                  detail={"serial": serial, "reason": "branch_reset",
                                          "note": reason})
        return self.get_token(institution, user_id)


@dataclass(frozen=True)
class _Attempt:
    """One code presented for a user: what each step of the check, and its audit, needs."""

    institution: Institution
    user_id: str
    operation: Operation | None
    source_ip: str | None
    now: datetime
    confirming: bool
    # The suspension this attempt caused (its failure count), for the metrics once the
    # transaction committed: empty, or one element.
    suspends: list[int] = field(default_factory=list)

    @property
    def wanted(self) -> TokenState:
        """The state in which the token takes a code: activated to confirm, else active."""
        return TokenState.ACTIVATED if self.confirming else TokenState.ACTIVE

    def entry(self, result: Result, **detail) -> dict:
        """The audit entry's fields for this attempt's answer."""
        return {"at": self.now, "institution_id": self.institution.id,
                "event": "token_confirmed" if self.confirming else "code_verified",
                "user_id": self.user_id, "actor": f"user:{self.user_id}",
                "operation": self.operation.value if self.operation else None,
                "result": result.value, "source_ip": self.source_ip,
                "detail": detail or None}


def _code(digits: str | None, expected_len: int) -> str:
    """The code as ASCII digits, if it has the token's length. Raises InvalidCodeFormat."""
    if digits is None or len(digits) != expected_len:
        raise InvalidCodeFormat(f"code must be a string of {expected_len} digits")
    return digits


def _ascii_digits(raw: object) -> str | None:
    """The code as ASCII digits if every character is an Nd digit; length checked by caller."""
    if not isinstance(raw, str) or not values.MIN_DIGITS <= len(raw) <= values.MAX_DIGITS:
        return None
    try:
        return values.code(raw, len(raw))
    except InvalidCodeFormat:
        return None


