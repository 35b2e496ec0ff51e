"""An operation within the user's rights and limits (利用者管理): the one check that
振込・振替, 総合振込, 給与・賞与振込, ペイジー and 承認 call.

The rule is banking/domain/rights.py's `ensure_may`; this loads what it needs: the user
and contract as stored now (a manager may have changed them since sign-in), and what the
user moved since the bank-local midnight (transfers, batches, payments).
"""

from __future__ import annotations

from collections.abc import Callable

from onetime.banking.domain import rights
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import UserNotFound
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.service.context import Context
from onetime.banking.storage.database import Connection
from onetime.domain.values import Operation

# rule(the user as stored now, their contract, what they moved today)
Rule = Callable[[SiteUser, Contract, int], None]


class TransferLimits:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def check(self, institution: Bank, user: SiteUser, amount: int,
              conn: Connection | None = None,
              operation: Operation = Operation.TRANSFER) -> None:
        """Raises OperationNotPermitted, OverUserLimit, DailyLimitExceeded, UserNotFound.

        Given the operation's own write transaction `conn`, the user's row is locked first,
        so two bookings of one user add up in turn, not side by side.
        """
        self.current(institution, user, conn, lambda current, contract, spent:
                     rights.ensure_may(current, contract, operation, amount, spent))

    def ensure_right(self, institution: Bank, user: SiteUser, operation: Operation) -> None:
        """利用権限 alone, as stored now, before the amount is known: 総合振込 and 給与・賞与振込
        before a file is read, ペイジー before a bill is looked up.
        Raises OperationNotPermitted, UserNotFound."""
        with self.ctx.db.read() as conn:
            rights.ensure_right(self._stored(conn, institution, user), operation)

    def current(self, institution: Bank, user: SiteUser, conn: Connection | None,
                rule: Rule) -> None:
        """Call `rule(user as stored, contract, spent today)`, in `conn` (locked) or not."""
        if conn is None:
            with self.ctx.db.read() as read:
                return self._apply(read, institution, user, rule)
        self.ctx.people.lock_user(conn, user.id)
        return self._apply(conn, institution, user, rule)

    def _apply(self, conn: Connection, institution: Bank, user: SiteUser, rule: Rule) -> None:
        current = self._stored(conn, institution, user)
        contract = self.ctx.people.contract(conn, institution.id, user.contract_id)
        if contract is None:
            raise UserNotFound("the user was deleted")
        since = rights.day_start(self.ctx.clock.now(), institution.settings.zone)
        spent = self.ctx.totals.spent_since(conn, current.id, current.actor, since)
        rule(current, contract, spent)

    def _stored(self, conn: Connection, institution: Bank, user: SiteUser) -> SiteUser:
        """The user as stored now (a manager may have changed them since sign-in)."""
        current = self.ctx.people.user(conn, institution.id, user.id)
        if current is None:
            raise UserNotFound("the user was deleted")
        return current
