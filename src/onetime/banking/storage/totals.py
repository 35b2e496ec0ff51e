"""What a user moved since a moment: the daily limit's total (banking/domain/rights.py).

Apart from ledger.py, which moves the money: this only reads what it wrote. A one-off
transfer counts from `transfers`; a batch or a Pay-easy payment from the journal entries
its booker (`actor`) made, their credits without the fees.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from onetime.banking.storage.schema import accounts, journal, postings, transfers

# Journal kinds counted from the journal; a transfer's are counted from `transfers`.
BOOKED_KINDS = ("bulk", "payroll", "payeasy")
FEE_INCOME = "fee_income"


class TotalsRepository:
    def transferred_since(self, conn: Connection, site_user_id: int, since: datetime) -> int:
        """The yen the user's executed transfers moved from `since` on."""
        return conn.execute(select(func.coalesce(func.sum(transfers.c.amount), 0)).where(
            transfers.c.site_user_id == site_user_id,
            transfers.c.executed_at >= since)).scalar_one()

    def booked_since(self, conn: Connection, actor: str, since: datetime) -> int:
        """The yen of the batches and payments `actor` booked from `since` on (fees out)."""
        return conn.execute(
            select(func.coalesce(func.sum(postings.c.amount), 0))
            .select_from(journal.join(postings, postings.c.journal_id == journal.c.id)
                         .join(accounts, accounts.c.id == postings.c.account_id))
            .where(journal.c.actor == actor, journal.c.booked_at >= since,
                   journal.c.kind.in_(BOOKED_KINDS), postings.c.amount > 0,
                   accounts.c.kind != FEE_INCOME)).scalar_one()

    def spent_since(self, conn: Connection, site_user_id: int, actor: str,
                    since: datetime) -> int:
        """Everything the user moved from `since` on: the daily limit's total."""
        return (self.transferred_since(conn, site_user_id, since)
                + self.booked_since(conn, actor, since))
