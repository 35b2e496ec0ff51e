"""What a user transferred since a moment: the daily limit's total (banking/domain/rights.py).

Apart from ledger.py, which moves the money: this only reads the transfers it wrote.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from onetime.banking.storage.schema import transfers


class TotalsRepository:
    def transferred_since(self, conn: Connection, site_user_id: int, since: datetime) -> int:
        """The yen the user's executed transfers moved from `since` on."""
        return conn.execute(select(func.coalesce(func.sum(transfers.c.amount), 0)).where(
            transfers.c.site_user_id == site_user_id,
            transfers.c.executed_at >= since)).scalar_one()
