"""承認's requests: every state change is one conditional UPDATE that names the state it
leaves (承認待ち), so of two approvers, or an approver and the requester's 取消, exactly
one changes the row; the others see rowcount 0. Rows are never deleted: the 承認履歴.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from onetime.banking.domain.approvals import ApprovalRequest, ApprovalState
from onetime.banking.storage.schema import approval_requests as requests
from onetime.domain.values import Operation
from onetime.storage.conflicts import duplicate_key_as_conflict

PENDING = ApprovalState.PENDING.value


def _request(row) -> ApprovalRequest:
    return ApprovalRequest(
        id=row.id, institution_id=row.institution_id, contract_id=row.contract_id,
        operation=Operation(row.operation), state=ApprovalState(row.state),
        requested_by=row.requested_by, requester_name=row.requester_name,
        amount=row.amount, fees=row.fees, lines=row.lines,
        from_account_id=row.from_account_id, value_date=row.value_date,
        expires_at=row.expires_at, created_at=row.created_at, draft=json.loads(row.draft),
        decided_by=row.decided_by, decider_name=row.decider_name,
        decided_at=row.decided_at, reason=row.reason, journal_id=row.journal_id)


class ApprovalRepository:
    def add(self, conn: Connection, *, institution_id: int, contract_id: int,
            operation: Operation, requested_by: int, requester_name: str, amount: int,
            fees: int, lines: int, from_account_id: int, value_date: date,
            expires_at: datetime, draft: dict, now: datetime) -> int:
        """The new request's ID. Raises DuplicateKey for a draft requested already."""
        with duplicate_key_as_conflict():
            return conn.execute(insert(requests).values(
                institution_id=institution_id, contract_id=contract_id,
                operation=operation.value, state=PENDING, requested_by=requested_by,
                requester_name=requester_name, amount=amount, fees=fees, lines=lines,
                from_account_id=from_account_id, value_date=value_date,
                expires_at=expires_at, draft=json.dumps(draft, ensure_ascii=False),
                request_id=draft["request_id"], created_at=now,
            ).returning(requests.c.id)).scalar_one()

    def get(self, conn: Connection, institution_id: int,
            request_id: int) -> ApprovalRequest | None:
        row = conn.execute(select(requests).where(
            requests.c.institution_id == institution_id, requests.c.id == request_id)).first()
        return _request(row) if row else None

    def pending_of(self, conn: Connection, contract_id: int) -> list[ApprovalRequest]:
        """承認待ち一覧: oldest first (the first to expire)."""
        return [_request(r) for r in conn.execute(select(requests).where(
            requests.c.contract_id == contract_id, requests.c.state == PENDING)
            .order_by(requests.c.id))]

    def history_of(self, conn: Connection, contract_id: int,
                   limit: int = 100) -> list[ApprovalRequest]:
        """承認履歴: every state, newest first."""
        return [_request(r) for r in conn.execute(select(requests).where(
            requests.c.contract_id == contract_id)
            .order_by(requests.c.id.desc()).limit(limit))]

    def decide(self, conn: Connection, request_id: int, state: ApprovalState, *,
               by: int, by_name: str, now: datetime, reason: str | None = None,
               journal_id: int | None = None) -> bool:
        """承認待ち → `state` (承認済, 差戻し, 取消), still before its cut-off. False when
        the request is no longer pending or expired: someone else decided first."""
        return conn.execute(update(requests).where(
            requests.c.id == request_id, requests.c.state == PENDING,
            requests.c.expires_at > now).values(
            state=state.value, decided_by=by, decider_name=by_name, decided_at=now,
            reason=reason, journal_id=journal_id)).rowcount == 1

    def set_journal(self, conn: Connection, request_id: int, journal_id: int) -> None:
        conn.execute(update(requests).where(requests.c.id == request_id,
                                            requests.c.state == ApprovalState.APPROVED.value)
                     .values(journal_id=journal_id))

    def expire_due(self, conn: Connection, contract_id: int, now: datetime) -> int:
        """承認待ち → 期限切れ for the contract's requests whose cut-off has passed; how many."""
        return conn.execute(update(requests).where(
            requests.c.contract_id == contract_id, requests.c.state == PENDING,
            requests.c.expires_at <= now).values(
            state=ApprovalState.EXPIRED.value, decided_at=requests.c.expires_at)).rowcount
