"""取引確認 requests: stored once, then moved on by conditional UPDATEs only.

A decision (confirm, reject, expire, void, execute) names the state it leaves in its
WHERE clause, so of two concurrent confirms of one request exactly one finds the row;
the other's rowcount is 0. The token's app-request clock and OCRA step move the same way.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, delete, insert, or_, select, update

from onetime.domain.confirmations import Confirmation, ConfirmationState, TransactionDetails
from onetime.storage.schema import confirmations, tokens

_COLUMNS = (confirmations.c.id, confirmations.c.institution_id, confirmations.c.user_id,
            confirmations.c.serial, confirmations.c.details, confirmations.c.state,
            confirmations.c.created_at, confirmations.c.expires_at,
            confirmations.c.decided_at)


def _row_to_confirmation(row) -> Confirmation:
    return Confirmation(
        id=row[0], institution_id=row[1], user_id=row[2], serial=row[3],
        details=TransactionDetails.from_mapping(json.loads(row[4])),
        state=ConfirmationState(row[5]), created_at=row[6], expires_at=row[7],
        decided_at=row[8])


class ConfirmationRepository:
    def add(self, conn: Connection, confirmation: Confirmation) -> None:
        conn.execute(insert(confirmations).values(
            id=confirmation.id, institution_id=confirmation.institution_id,
            user_id=confirmation.user_id, serial=confirmation.serial,
            details=json.dumps(confirmation.details.to_mapping(), ensure_ascii=False,
                               sort_keys=True),
            state=confirmation.state.value, created_at=confirmation.created_at,
            expires_at=confirmation.expires_at))

    def get(self, conn: Connection, institution_id: int, user_id: str,
            request_id: str) -> Confirmation | None:
        """The user's request; None for an unknown ID and for another user's request."""
        row = conn.execute(select(*_COLUMNS).where(
            confirmations.c.id == request_id,
            confirmations.c.institution_id == institution_id,
            confirmations.c.user_id == user_id)).first()
        return _row_to_confirmation(row) if row else None

    def pending(self, conn: Connection, institution_id: int, user_id: str, serial: str,
                now: datetime) -> list[Confirmation]:
        """The user's requests still open at `now` for the token `serial`, oldest first."""
        rows = conn.execute(select(*_COLUMNS).where(
            confirmations.c.institution_id == institution_id,
            confirmations.c.user_id == user_id, confirmations.c.serial == serial,
            confirmations.c.state == ConfirmationState.PENDING.value,
            confirmations.c.expires_at > now,
        ).order_by(confirmations.c.created_at, confirmations.c.id)).all()
        return [_row_to_confirmation(r) for r in rows]

    def decide(self, conn: Connection, request_id: str, *, from_state: ConfirmationState,
               to_state: ConfirmationState, now: datetime,
               before_expiry: bool = False) -> bool:
        """Move the request from `from_state` to `to_state`; False if it was not there
        (decided meanwhile, or, with `before_expiry`, expired at `now`)."""
        conditions = [confirmations.c.id == request_id,
                      confirmations.c.state == from_state.value]
        if before_expiry:
            conditions.append(confirmations.c.expires_at > now)
        values: dict = {"state": to_state.value}
        if from_state == ConfirmationState.PENDING:
            values["decided_at"] = now
        return bool(conn.execute(update(confirmations).where(*conditions)
                                 .values(**values)).rowcount)

    def expire(self, conn: Connection, request_id: str, now: datetime) -> bool:
        """pending → expired, once, if its time is over at `now`."""
        return bool(conn.execute(update(confirmations).where(
            confirmations.c.id == request_id,
            confirmations.c.state == ConfirmationState.PENDING.value,
            confirmations.c.expires_at <= now,
        ).values(state=ConfirmationState.EXPIRED.value)).rowcount)

    def prune(self, conn: Connection, expired_before: datetime) -> int:
        """Delete requests that expired before `expired_before`, whatever their state
        (the audit trail keeps their story); returns how many."""
        return conn.execute(delete(confirmations)
                            .where(confirmations.c.expires_at < expired_before)).rowcount

    # -- the token's replay guards ----------------------------------------------------

    def advance_app_clock(self, conn: Connection, token_id: int, serial: str,
                          timestamp_ms: int) -> bool:
        """Take an app request's time if later than every one before; False for a replay."""
        return bool(conn.execute(update(tokens).where(
            tokens.c.id == token_id, tokens.c.serial == serial,
            or_(tokens.c.app_request_ms.is_(None), tokens.c.app_request_ms < timestamp_ms),
        ).values(app_request_ms=timestamp_ms)).rowcount)

    def use_ocra_step(self, conn: Connection, token_id: int, serial: str, step: int) -> bool:
        """Use an OCRA time step, if later than the last used (rule 2 for OCRA)."""
        return bool(conn.execute(update(tokens).where(
            tokens.c.id == token_id, tokens.c.serial == serial,
            or_(tokens.c.ocra_last_step.is_(None), tokens.c.ocra_last_step < step),
        ).values(ocra_last_step=step)).rowcount)
