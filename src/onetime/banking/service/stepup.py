"""Step-up (rule 3): the confirmation password, then, if the policy asks, a one-time password.

The password comes first, so a wrong password never uses up a code. The code is
checked by Tokens.verify for the operation, which audits it. A user whose token
is revoked or suspended passes no step-up, code or not, and a suspension seen here
ends the user's sessions (issue 10.6): what a session started before cannot finish.
"""

from __future__ import annotations

from collections.abc import Callable

from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import (
    CodeRejected,
    ConfirmationThrottled,
    NoActiveToken,
    OtpSuspended,
    WrongConfirmationPassword,
)
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.domain.sessions import ENDING
from onetime.banking.domain.stepup import Requirement, requirement
from onetime.banking.domain.throttle import CONFIRMATION
from onetime.banking.service.context import Context
from onetime.banking.service.sessions import SessionService
from onetime.banking.service.throttling import Throttle, throttle_key
from onetime.banking.service.tokens import Tokens
from onetime.crypto import PasswordHasher
from onetime.domain.tokens import TokenState
from onetime.domain.values import Operation
from onetime.domain.verification import Result


class StepUpService:
    def __init__(self, ctx: Context, tokens: Tokens, hasher: PasswordHasher,
                 throttle: Throttle, kick: Callable[[], None],
                 sessions: SessionService) -> None:
        self.ctx, self.tokens, self.hasher = ctx, tokens, hasher
        self.throttle, self.kick, self.sessions = throttle, kick, sessions
        self.people = ctx.people

    def requirement(self, institution: Bank, contract: Contract,
                    operation: Operation) -> Requirement:
        return requirement(operation, institution.settings, otp_enabled=contract.otp_enabled)

    def check(self, institution: Bank, user: SiteUser, contract: Contract,
              operation: Operation, confirmation_password: str, code: str | None,
              *, source_ip: str | None = None) -> Requirement:
        """Pass, or raise: WrongConfirmationPassword, ConfirmationThrottled, CodeRejected,
        OtpSuspended, NoActiveToken, InvalidCodeFormat (no attempt counted)."""
        needed = self.requirement(institution, contract, operation)
        self.check_password(institution, user, confirmation_password, operation=operation,
                            source_ip=source_ip)
        if needed.code:
            self.check_code(institution, user, code, operation, source_ip=source_ip)
        return needed

    def check_password(self, institution: Bank, user: SiteUser, password: str,
                       *, operation: Operation | None = None,
                       source_ip: str | None = None) -> None:
        """The confirmation password alone (the manual's release screen asks only this),
        then the token's state as the OTP service answers it now.

        Raises ConfirmationThrottled, WrongConfirmationPassword, OtpSuspended or
        NoActiveToken (the token was suspended or revoked: the user's sessions end).
        """
        key = throttle_key("confirmation", institution.id, str(user.id))
        with self.ctx.db.write() as conn:
            # Counted before the check, so concurrent guesses cannot pass the limit.
            if not self.throttle.reserve(conn, ((key, CONFIRMATION),)):
                raise ConfirmationThrottled("too many wrong confirmation passwords; wait")
        with self.ctx.db.read() as conn:
            stored = self.people.confirmation_hash(conn, user.id)
        ok = stored is not None and self.hasher.verify(stored, password or "")
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if ok:
                self.throttle.clear(conn, key)
            else:
                self.ctx.audit.append(
                    conn, at=now, institution_id=institution.id, event="confirmation_failed",
                    user_id=user.user_id, actor=user.actor,
                    operation=operation and operation.value, result="rejected",
                    source_ip=source_ip)
        if not ok:
            raise WrongConfirmationPassword("the confirmation password is incorrect")
        self._ensure_token_usable(institution, user)

    def _ensure_token_usable(self, institution: Bank, user: SiteUser) -> None:
        # The last look before the operation commits; a code, if asked, is checked after
        # it, and Tokens.verify refuses a revoked or suspended token atomically.
        state = self.tokens.get_token(institution, user.user_id).state
        if state not in ENDING:
            return
        self.sessions.end_all_of(user)
        if state == TokenState.SUSPENDED:
            raise OtpSuspended("one-time password use is suspended")
        raise NoActiveToken("the user's token was revoked")

    def check_code(self, institution: Bank, user: SiteUser, code: str | None,
                   operation: Operation, *, source_ip: str | None = None) -> None:
        answer = self.tokens.verify(institution, user.user_id, code or "", operation,
                                    source_ip=source_ip)
        if answer.result == Result.ACCEPTED:
            return
        if answer.result == Result.SUSPENDED:
            self.sessions.end_all_of(user)
            self.kick()  # the suspension mail
            raise OtpSuspended("one-time password use is suspended")
        if answer.result == Result.REJECTED:
            raise CodeRejected(answer.attempts_left)
        raise NoActiveToken("the user has no active token")
