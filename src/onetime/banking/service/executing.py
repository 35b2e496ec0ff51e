"""Executing a drafted operation: the one order 振込・振替, 総合振込・給与・賞与振込, ペイジー and
承認 book in, each operation supplying only what differs (`Drafted`).

1. `ready`: the draft is still bookable and the user's rights and limits, as stored now,
   allow it — before any code or confirmation is used up;
2. the step-up: the confirmation password first (a wrong one uses up no code), then the
   one-time password when the policy asks (banking/service/stepup.py);
3. 取引確認 last, where the operation and the institution ask for it: `open` now, and
   `execute_confirmed` settles it, after `ready` again (banking/service/confirming.py);
4. the booking, in one write transaction with its audit entry; the operation checks the
   rights again there, the user's row locked, so two bookings of one user add up in turn.
   A unique violation (this draft booked already) is the operation's own error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from onetime.banking.domain.banks import Bank
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.service.confirming import ConfirmingService, PendingConfirmation
from onetime.banking.service.context import Context
from onetime.banking.service.stepup import StepUpService
from onetime.banking.storage.database import Connection, DuplicateKey
from onetime.domain.confirmations import TransactionDetails
from onetime.domain.errors import OnetimeError
from onetime.domain.values import Operation

D = TypeVar("D")  # the draft: what the confirmation screen showed
F = TypeVar("F")  # what `ready` found and the booking uses
R = TypeVar("R")  # the booking's receipt
# failed(institution, user, draft, error, source_ip): a booking refused, its transaction
# rolled back (承認 audits it so; the others' errors say enough).
Failed = Callable[[Bank, SiteUser, object, OnetimeError, "str | None"], None]


class Drafted(Protocol[D, F, R]):
    """What one operation supplies to `Execution`; the order is Execution's."""

    def step_up_operation(self, draft: D) -> Operation:
        """Rule 3's operation the step-up asks for."""

    def subject(self, draft: D) -> str:
        """What a 取引確認 of `draft` is bound to: it books nothing else."""

    def details(self, draft: D) -> TransactionDetails | None:
        """What the token app shows and signs, exactly what the booking books; None for
        an operation without 取引確認."""

    def ready(self, institution: Bank, user: SiteUser, draft: D) -> F:
        """The checks before a code or a confirmation is used up; raises what refuses."""

    def book(self, conn: Connection, institution: Bank, user: SiteUser, contract: Contract,
             draft: D, found: F, *, source_ip: str | None) -> R:
        """The booking in the write transaction `conn`, the rights checked again in it."""

    def not_pending(self, draft: D) -> OnetimeError:
        """The error for a pending confirmation that is another draft's."""

    def booked_already(self, draft: D) -> OnetimeError:
        """The error for a draft the journal has already (a unique violation)."""


class Execution(Generic[D, F, R]):
    def __init__(self, ctx: Context, stepup: StepUpService, confirming: ConfirmingService,
                 operation: Drafted[D, F, R], *, failed: Failed | None = None) -> None:
        self.ctx, self.stepup, self.confirming = ctx, stepup, confirming
        self.operation, self.failed = operation, failed

    def execute(self, institution: Bank, user: SiteUser, contract: Contract, draft: D,
                confirmation_password: str, code: str | None, *,
                source_ip: str | None = None) -> R | PendingConfirmation:
        """`ready`, the step-up, then the booking — or, when 取引確認 is asked, the pending
        confirmation for the screen to wait on (`execute_confirmed` books it).

        Raises what `ready` raises (before any code is used up), the step-up's errors,
        ConfirmationTokenNotActive (the token app cannot be asked), and the booking's.
        """
        op = self.operation
        found = op.ready(institution, user, draft)
        self.stepup.check(institution, user, contract, op.step_up_operation(draft),
                          confirmation_password, code, source_ip=source_ip)
        details = op.details(draft)
        if details is not None:
            pending = self.confirming.open(institution, user, contract, op.subject(draft),
                                           details, source_ip=source_ip)
            if pending is not None:
                return pending
        return self.book(institution, user, contract, draft, found, source_ip=source_ip)

    def execute_confirmed(self, institution: Bank, user: SiteUser, contract: Contract,
                          draft: D, pending: PendingConfirmation, *, response: str = "",
                          source_ip: str | None = None) -> R:
        """Book a draft whose step-up passed (`execute` made `pending`), only once the user
        confirmed exactly this draft. Raises `not_pending`'s error, what `ready` raises,
        ConfirmingService.settle's errors, and the booking's."""
        op = self.operation
        if pending.subject != op.subject(draft):
            raise op.not_pending(draft)
        found = op.ready(institution, user, draft)
        self.confirming.settle(institution, user, pending, op.details(draft),
                               response=response, source_ip=source_ip)
        return self.book(institution, user, contract, draft, found, source_ip=source_ip)

    def book(self, institution: Bank, user: SiteUser, contract: Contract, draft: D, found: F,
             *, source_ip: str | None = None) -> R:
        """The operation's booking in one write transaction: all of it, or nothing."""
        try:
            with self.ctx.db.write() as conn:
                return self.operation.book(conn, institution, user, contract, draft, found,
                                           source_ip=source_ip)
        except DuplicateKey:
            raise self.operation.booked_already(draft) from None
        except OnetimeError as exc:
            if self.failed is not None:
                self.failed(institution, user, draft, exc, source_ip)
            raise
