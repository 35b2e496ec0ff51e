"""A transfer within the user's rights and limits (利用者管理): the one check transfers call.

The rule is banking/domain/rights.py's `ensure_may_transfer`; this loads what it needs:
the user and contract as stored now (a manager may have changed them since sign-in),
and the sum of the user's transfers since the bank-local midnight.
"""

from __future__ import annotations

from onetime.banking.domain import rights
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import UserNotFound
from onetime.banking.domain.people import SiteUser
from onetime.banking.service.context import Context
from onetime.banking.storage.database import Connection
from onetime.domain.values import Operation


def ensure_may(ctx: Context, institution: Bank, user: SiteUser, operation: Operation) -> None:
    """利用権限 as stored now (a manager may have taken it away since sign-in): the check
    総合振込, 給与・賞与振込 and ペイジー call before a draft and again before the step-up.

    Raises OperationNotPermitted, UserNotFound.
    """
    with ctx.db.read() as conn:
        current = ctx.people.user(conn, institution.id, user.id)
    if current is None:
        raise UserNotFound("the user was deleted")
    rights.ensure_may(current, operation)


class TransferLimits:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def check(self, institution: Bank, user: SiteUser, amount: int,
              conn: Connection | None = None) -> None:
        """Raises OperationNotPermitted, OverUserLimit, DailyLimitExceeded, UserNotFound.

        Given the transfer's own write transaction `conn`, the user's row is locked first,
        so two transfers of one user add up in turn, not side by side.
        """
        if conn is None:
            with self.ctx.db.read() as read:
                return self._check(read, institution, user, amount)
        self.ctx.people.lock_user(conn, user.id)
        return self._check(conn, institution, user, amount)

    def _check(self, conn: Connection, institution: Bank, user: SiteUser,
               amount: int) -> None:
        current = self.ctx.people.user(conn, institution.id, user.id)
        contract = self.ctx.people.contract(conn, institution.id, user.contract_id)
        if current is None or contract is None:
            raise UserNotFound("the user was deleted")
        since = rights.day_start(self.ctx.clock.now(), institution.settings.zone)
        total = self.ctx.totals.transferred_since(conn, user.id, since)
        rights.ensure_may_transfer(current, contract, amount, total)
