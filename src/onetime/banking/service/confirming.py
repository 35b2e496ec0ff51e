"""取引確認 for the site's operations: ask the user's token app, then settle before booking.

One module for every confirmable screen (振込・振替, 総合振込・給与振込, 承認): the screen
passes its exact `TransactionDetails`; `open` creates the OTP service's request (online) and
answers the `PendingConfirmation` the screen keeps in its server-side session; `settle`,
just before booking, passes only if the user confirmed exactly the details about to be
booked — `execute_confirmation` answered executed, or the OCRA response to the payee's
account number is right. Anything else raises, and the caller books nothing.

`settle` uses the confirmation up before the booking's own transaction (the OTP service
may be remote): a booking that then fails (the balance moved meanwhile) leaves a used
confirmation and no booking, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from onetime.banking.domain.banks import Bank
from onetime.banking.domain.confirming import ConfirmationModes, modes
from onetime.banking.domain.confirming_errors import (
    ConfirmationRejected,
    ConfirmationWaiting,
    OcraRejected,
    OcraRequired,
)
from onetime.banking.domain.errors import NoActiveToken, OtpSuspended
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.service.context import Context
from onetime.domain.confirmations import ConfirmationState, TransactionDetails
from onetime.domain.errors import (
    ConfirmationExpired,
    ConfirmationNotPending,
    ConfirmationVoided,
)
from onetime.domain.values import Operation
from onetime.domain.verification import Result

S = ConfirmationState
# What ends a confirmation without a booking (not "not approved yet", nor a missing code).
REFUSALS = (ConfirmationRejected, ConfirmationExpired, ConfirmationVoided,
            ConfirmationNotPending, OcraRejected)


@dataclass(frozen=True)
class PendingConfirmation:
    """A 取引確認 the screen waits for; kept in the server-side session, never the browser.

    `subject` is the ID of what it confirms (a transfer draft's request ID), so a screen
    never books another draft with it; `request_id` is the OTP service's request (online).
    """

    subject: str
    request_id: str | None
    offline: bool
    expires_at: datetime | None

    @property
    def online(self) -> bool:
        return self.request_id is not None

    def to_dict(self) -> dict:
        return {"subject": self.subject, "request_id": self.request_id,
                "offline": self.offline,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None}

    @classmethod
    def from_dict(cls, data: object) -> PendingConfirmation | None:
        """The pending confirmation `data` describes, or None (tolerant of old sessions)."""
        if not isinstance(data, dict) or not isinstance(data.get("subject"), str):
            return None
        request_id, expires = data.get("request_id"), data.get("expires_at")
        try:
            at = datetime.fromisoformat(expires) if isinstance(expires, str) else None
        except ValueError:
            return None
        return cls(data["subject"], request_id if isinstance(request_id, str) else None,
                   data.get("offline") is True, at)


class ConfirmingService:
    def __init__(self, ctx: Context,
                 on_suspended: Callable[[SiteUser], None] = lambda _user: None) -> None:
        # A wrong OCRA code counts toward suspension like a wrong code (rule 8): the
        # caller ends the user's sessions and wakes the mail, as its step-up does.
        self.ctx, self.on_suspended = ctx, on_suspended

    def modes(self, institution: Bank, contract: Contract, operation: Operation, *,
              one_payee: bool | None = None) -> ConfirmationModes:
        return modes(operation, institution.settings, otp_enabled=contract.otp_enabled,
                     one_payee=one_payee)

    def open(self, institution: Bank, user: SiteUser, contract: Contract, subject: str,
             details: TransactionDetails, *, source_ip: str | None = None
             ) -> PendingConfirmation | None:
        """The 取引確認 `details` ask for, or None when the operation needs none.

        Online, the OTP service's request is made now (5 minutes to approve). Raises
        ConfirmationTokenNotActive, ConfirmationDisabled, InvalidConfirmation.
        """
        wanted = self.modes(institution, contract, details.operation,
                            one_payee=details.payee is not None)
        if not wanted.needed:
            return None
        request_id = expires = None
        if wanted.online:
            doc = self.ctx.otp.request_confirmation(institution.service_id, user.user_id,
                                                    details, actor=user.actor,
                                                    source_ip=source_ip)
            request_id, expires = doc.id, doc.expires_at
        return PendingConfirmation(subject, request_id, wanted.offline, expires)

    def state(self, institution: Bank, user: SiteUser,
              pending: PendingConfirmation) -> ConfirmationState | None:
        """The online request's state now (expired at its 5 minutes); None offline only."""
        if pending.request_id is None:
            return None
        return self.ctx.otp.confirmation(institution.service_id, user.user_id,
                                         pending.request_id).state

    def settle(self, institution: Bank, user: SiteUser, pending: PendingConfirmation,
               details: TransactionDetails, *, response: str = "",
               source_ip: str | None = None) -> None:
        """Pass only if the user confirmed exactly `details`; the confirmation is used up.

        Raises ConfirmationRejected (否認 in the app, or voided), ConfirmationExpired,
        ConfirmationWaiting (not approved yet), ConfirmationVoided (the details differ
        from those approved: the request is void now), ConfirmationNotPending (booked
        already), OcraRejected, OcraRequired, OtpSuspended, NoActiveToken,
        InvalidCodeFormat. A refusal is in the site's audit trail too
        (`transaction_not_confirmed`, its reason's code; no code or signature).
        """
        try:
            self._settle(institution, user, pending, details, response, source_ip)
        except REFUSALS as exc:
            self._refused(institution, user, pending, details, exc.code, source_ip)
            raise

    def _settle(self, institution: Bank, user: SiteUser, pending: PendingConfirmation,
                details: TransactionDetails, response: str, source_ip: str | None) -> None:
        state = self.state(institution, user, pending)
        if state in (S.REJECTED, S.VOIDED):
            # An explicit refusal stands, whatever code is typed afterwards.
            raise ConfirmationRejected(f"the confirmation request is {state.value}")
        if response.strip() and pending.offline:
            self._ocra(institution, user, details, response.strip(), source_ip)
            return
        if state is None:
            raise OcraRequired("enter the confirmation code the token app shows")
        if state == S.EXPIRED:
            raise ConfirmationExpired("the 5 minutes to confirm are over")
        if state == S.PENDING:
            raise ConfirmationWaiting("not approved in the token app yet")
        # Confirmed (or already executed: the service answers not pending, nothing books).
        doc = self.ctx.otp.execute_confirmation(institution.service_id, user.user_id,
                                                pending.request_id or "", details,
                                                actor=user.actor, source_ip=source_ip)
        if doc.state != S.EXECUTED:  # the service raises first; never book on anything else
            raise ConfirmationVoided(f"the confirmation request is {doc.state.value}")

    def _refused(self, institution: Bank, user: SiteUser, pending: PendingConfirmation,
                 details: TransactionDetails, reason: str, source_ip: str | None) -> None:
        # The OTP service audits the request's own fate; this is the site's decision not
        # to book, which a site with a remote OTP service would otherwise not record.
        detail = {"reason": reason, "subject": pending.subject}
        if pending.request_id is not None:
            detail["confirmation"] = pending.request_id
        with self.ctx.db.write() as conn:
            self.ctx.audit.append(
                conn, at=self.ctx.clock.now(), institution_id=institution.id,
                event="transaction_not_confirmed", user_id=user.user_id, actor=user.actor,
                operation=details.operation.value, result="rejected", source_ip=source_ip,
                detail=detail)

    def _ocra(self, institution: Bank, user: SiteUser, details: TransactionDetails,
              response: str, source_ip: str | None) -> None:
        if details.payee is None:
            raise OcraRequired("offline confirmation needs one payee")
        answer = self.ctx.otp.verify_ocra(institution.service_id, user.user_id,
                                          details.payee.account_number, response,
                                          source_ip=source_ip)
        if answer.result == Result.ACCEPTED:
            return
        if answer.result == Result.SUSPENDED:
            self.on_suspended(user)
            raise OtpSuspended("one-time password use is suspended")
        if answer.result == Result.REJECTED:
            raise OcraRejected(answer.attempts_left)
        raise NoActiveToken("the user has no active token")
