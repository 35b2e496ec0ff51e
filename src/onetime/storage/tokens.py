"""The token repository: every life-cycle arrow is one conditional UPDATE.

No method reads a row and then writes what it read: the WHERE clause states the
condition and the database arbitrates between concurrent requests, on any number
of processes. A rowcount of 0 means another request changed the token first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import (
    Connection,
    String,
    and_,
    bindparam,
    case,
    cast,
    insert,
    or_,
    select,
    update,
)

from onetime.domain.tokens import Token, TokenKind, TokenState, state_after_release
from onetime.storage.audit import APPEND, ENTRY_COLUMNS
from onetime.storage.conflicts import duplicate_key_as_conflict
from onetime.storage.driver import DriverStatement, from_db
from onetime.storage.schema import UTCDateTime, audit_log, tokens

S = TokenState


# A Token is read as exactly its fields, in order: the hot path's rows are plain tuples.
TOKEN_COLUMNS = [tokens.c[f.name] for f in fields(Token)]
_DATETIMES = frozenset(i for i, c in enumerate(TOKEN_COLUMNS)
                       if isinstance(c.type, UTCDateTime))
_STATE, _KIND = (TOKEN_COLUMNS.index(tokens.c.state), TOKEN_COLUMNS.index(tokens.c.kind))


def _row_to_token(row) -> Token:
    values = [from_db(v) if i in _DATETIMES else v for i, v in enumerate(row)]
    values[_STATE], values[_KIND] = TokenState(values[_STATE]), TokenKind(values[_KIND])
    return Token(*values)


@dataclass(frozen=True)
class NewToken:
    """Everything an issuance (or an import) writes for a fresh token."""

    serial: str
    state: TokenState
    kind: TokenKind
    algorithm: str
    digits: int
    period: int
    email: str | None
    activation_key_id: str | None
    activation_blob: bytes | None
    activation_attempts_left: int
    secret_key_id: str | None
    secret_blob: bytes | None
    issued_at: datetime
    expires_at: datetime | None
    activated_at: datetime | None = None
    confirmed_at: datetime | None = None
    last_step: int | None = None


# The verification hot path's statements are built once, with bound parameters:
# building a statement costs more than running it, and a prebuilt one also keeps its
# cache key, so SQLAlchemy finds the compiled SQL without recomputing anything.
_GET = DriverStatement(select(*TOKEN_COLUMNS).where(
    tokens.c.institution_id == bindparam("institution_id"),
    tokens.c.user_id == bindparam("user_id")))


def _accept_statement(*, confirming: bool):
    now = bindparam("now", type_=tokens.c.confirmed_at.type)
    conditions = [
        tokens.c.id == bindparam("token_id"), tokens.c.serial == bindparam("token_serial"),
        tokens.c.state == (S.ACTIVATED if confirming else S.ACTIVE).value,
        # The single-use rule itself: of two requests with one code, one matches.
        or_(tokens.c.last_step.is_(None), tokens.c.last_step < bindparam("step")),
    ]
    values: dict = {"last_step": bindparam("step"), "failures": 0,
                    "drift": bindparam("new_drift")}
    if confirming:
        conditions.append(or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now))
        values.update(state=S.ACTIVE.value, confirmed_at=now, expires_at=None)
    return update(tokens).where(*conditions).values(**values)


def _accept_recorded_statement(*, confirming: bool):
    """The accept UPDATE and its audit entry's INSERT as one PostgreSQL statement.

    The entry is inserted for each row the UPDATE returns, so for an accepted step only,
    and both commit together: one round trip, where UPDATE, INSERT, BEGIN and COMMIT
    would be four. (SQLite allows no UPDATE in a WITH clause; there the two statements
    share the caller's transaction.)
    """
    accepted = _accept_statement(confirming=confirming).returning(tokens.c.id).cte("accepted")
    entry = select(*(bindparam(f"audit_{name}", type_=audit_log.c[name].type)
                     for name in ENTRY_COLUMNS)).select_from(accepted)
    return insert(audit_log).from_select(ENTRY_COLUMNS, entry)


_ACCEPT = {confirming: DriverStatement(_accept_statement(confirming=confirming))
           for confirming in (False, True)}
_ACCEPT_RECORDED = {confirming: DriverStatement(_accept_recorded_statement(confirming=confirming))
                    for confirming in (False, True)}

_reaches = tokens.c.failures + 1 >= bindparam("max_failures")
_RECORD_FAILURE = DriverStatement(update(tokens).where(
    tokens.c.id == bindparam("token_id"), tokens.c.serial == bindparam("token_serial"),
    tokens.c.state == bindparam("read_state"),
).values(
    failures=tokens.c.failures + 1,
    state=case((_reaches, S.SUSPENDED.value), else_=tokens.c.state),
    # Typed, or a bare datetime in CASE skips UTCDateTime and PostgreSQL
    # shifts it by the session's time zone.
    suspended_at=case((_reaches, bindparam("now", type_=tokens.c.suspended_at.type)),
                      else_=tokens.c.suspended_at),
).returning(tokens.c.failures, tokens.c.state))


def _rejection_recorded_statement():
    """A failure that does not suspend, and its audit entry, as one PostgreSQL statement.

    Like _accept_recorded_statement: one round trip where the UPDATE, the INSERT, BEGIN
    and COMMIT would be four. `failures + 1 < max_failures` keeps the suspending failure
    (with its second entry and its mail) out: it matches no row here and goes through
    record_failure in a transaction. The entry's detail carries the count the UPDATE
    returns, spliced between the JSON text around it (AuditRepository.entry's format).
    """
    counted = update(tokens).where(
        tokens.c.id == bindparam("token_id"), tokens.c.serial == bindparam("token_serial"),
        tokens.c.state == bindparam("read_state"),
        tokens.c.failures + 1 < bindparam("max_failures"),
    ).values(failures=tokens.c.failures + 1).returning(tokens.c.failures).cte("counted")
    columns = [bindparam(f"audit_{name}", type_=audit_log.c[name].type)
               if name != "detail" else
               (bindparam("detail_head", type_=String)
                + cast(counted.c.failures, String) + bindparam("detail_tail", type_=String))
               for name in ENTRY_COLUMNS]
    audited = insert(audit_log).from_select(
        ENTRY_COLUMNS, select(*columns).select_from(counted)).cte("audited")
    return select(counted.c.failures).add_cte(audited)


_REJECTION_RECORDED = DriverStatement(_rejection_recorded_statement())
_RECORD_BELOW_LIMIT = DriverStatement(update(tokens).where(
    tokens.c.id == bindparam("token_id"), tokens.c.serial == bindparam("token_serial"),
    tokens.c.state == bindparam("read_state"),
    tokens.c.failures + 1 < bindparam("max_failures"),
).values(failures=tokens.c.failures + 1).returning(tokens.c.failures))
# An int that appears nowhere else in a detail's JSON: where the count goes.
_COUNT_MARK = 7_000_000_000_000_000_001


class TokenRepository:
    def get(self, conn: Connection, institution_id: int, user_id: str) -> Token | None:
        row = _GET.execute(conn, {"institution_id": institution_id,
                                  "user_id": user_id}).fetchone()
        return _row_to_token(row) if row else None

    def by_id(self, conn: Connection, token_id: int) -> Token | None:
        row = conn.execute(select(*TOKEN_COLUMNS).where(tokens.c.id == token_id)).first()
        return _row_to_token(row) if row else None

    def activation_key(self, conn: Connection, token_id: int, serial: str):
        """(key_id, blob) of the encrypted activation key, or None."""
        row = conn.execute(
            select(tokens.c.activation_key_id, tokens.c.activation_blob)
            .where(tokens.c.id == token_id, tokens.c.serial == serial)
        ).first()
        return None if row is None or row[1] is None else (row[0], row[1])

    def replace_or_insert(self, conn: Connection, institution_id: int, user_id: str,
                          new: NewToken, now: datetime) -> bool:
        """Write `new` as the user's token unless one is in use or embargoed.

        Returns False, writing nothing, when the current token is active or
        suspended, or revoked with its setup embargo still running at `now`. Raises
        DuplicateKey when a concurrent writer took the user or the serial first.
        """
        with duplicate_key_as_conflict():
            return self._replace_or_insert(conn, institution_id, user_id, new, now)

    def _replace_or_insert(self, conn: Connection, institution_id: int, user_id: str,
                           new: NewToken, now: datetime) -> bool:
        values = {**new.__dict__, "state": new.state.value, "kind": new.kind.value,
                  "failures": 0, "drift": 0, "suspended_at": None, "revoked_at": None,
                  "setup_available_at": None}
        replaceable = and_(
            tokens.c.institution_id == institution_id,
            tokens.c.user_id == user_id,
            or_(
                tokens.c.state.in_([S.ISSUED, S.ACTIVATED, S.EXPIRED]),
                and_(tokens.c.state == S.REVOKED,
                     or_(tokens.c.setup_available_at.is_(None),
                         tokens.c.setup_available_at <= now)),
            ),
        )
        updated = conn.execute(update(tokens).where(replaceable).values(**values)).rowcount
        if updated:
            return True
        exists = conn.execute(
            select(tokens.c.id).where(tokens.c.institution_id == institution_id,
                                      tokens.c.user_id == user_id)
        ).first()
        if exists:
            return False
        # The unique (institution_id, user_id) constraint arbitrates two first issuances.
        conn.execute(insert(tokens).values(institution_id=institution_id, user_id=user_id,
                                           **values))
        return True

    def serial_in_use(self, conn: Connection, serial: str, institution_id: int,
                      user_id: str) -> bool:
        """Whether another user's token (in any institution) already has `serial`."""
        return conn.execute(
            select(tokens.c.id).where(
                tokens.c.serial == serial,
                or_(tokens.c.institution_id != institution_id, tokens.c.user_id != user_id))
        ).first() is not None

    def expire(self, conn: Connection, token_id: int, serial: str, now: datetime) -> bool:
        """issued/activated → expired once the issuance lifetime has passed."""
        return bool(conn.execute(
            update(tokens).where(
                tokens.c.id == token_id, tokens.c.serial == serial,
                tokens.c.state.in_([S.ISSUED, S.ACTIVATED]), tokens.c.expires_at <= now,
            ).values(state=S.EXPIRED, secret_key_id=None, secret_blob=None,
                     activation_key_id=None, activation_blob=None)
        ).rowcount)

    def void_issuance(self, conn: Connection, institution_id: int, user_id: str) -> str | None:
        """issued/activated → expired now (the branch resets an issuance); returns the serial.

        No embargo: the user may issue again at once, as after a timed-out issuance.
        """
        row = conn.execute(
            update(tokens).where(
                tokens.c.institution_id == institution_id, tokens.c.user_id == user_id,
                tokens.c.state.in_([S.ISSUED, S.ACTIVATED]),
            ).values(state=S.EXPIRED, secret_key_id=None, secret_blob=None,
                     activation_key_id=None, activation_blob=None)
            .returning(tokens.c.serial)
        ).first()
        return None if row is None else row[0]

    def record_activation_failure(self, conn: Connection, token_id: int, serial: str,
                                  now: datetime) -> tuple[int, TokenState] | None:
        """One wrong activation password: (attempts left, state); the last one voids it."""
        left = tokens.c.activation_attempts_left - 1
        row = conn.execute(
            update(tokens).where(
                tokens.c.id == token_id, tokens.c.serial == serial,
                tokens.c.state == S.ISSUED, tokens.c.activation_attempts_left > 0,
                tokens.c.expires_at > now,
            ).values(
                activation_attempts_left=left,
                state=case((left <= 0, S.EXPIRED.value), else_=tokens.c.state),
                # Like expire(): a voided issuance keeps no activation key.
                activation_key_id=case((left <= 0, None), else_=tokens.c.activation_key_id),
                activation_blob=case((left <= 0, None), else_=tokens.c.activation_blob),
            ).returning(tokens.c.activation_attempts_left, tokens.c.state)
        ).first()
        return None if row is None else (row[0], TokenState(row[1]))

    def activate(self, conn: Connection, token_id: int, serial: str, key_id: str, blob: bytes,
                 now: datetime) -> bool:
        """issued → activated, storing the freshly generated secret."""
        return bool(conn.execute(
            update(tokens).where(
                tokens.c.id == token_id, tokens.c.serial == serial,
                tokens.c.state == S.ISSUED, tokens.c.expires_at > now,
            ).values(state=S.ACTIVATED, activated_at=now, secret_key_id=key_id,
                     secret_blob=blob, activation_key_id=None, activation_blob=None)
        ).rowcount)

    def accept(self, conn: Connection, token: Token, step: int, drift: int, now: datetime,
               *, confirming: bool, audit_entry: Mapping) -> bool:
        """Use up `step`: only if it is later than the last accepted one (rule 2).

        Two requests with the same code race here; the database lets exactly one
        UPDATE match `last_step < step`, the other sees rowcount 0. `audit_entry` (an
        AuditRepository.entry) is written if and only if the step is accepted, atomically
        with it: on PostgreSQL in the same statement, so `conn` may be in autocommit.
        """
        params = {"token_id": token.id, "token_serial": token.serial, "step": step,
                  "new_drift": drift, "now": now}
        if conn.dialect.name == "postgresql":
            params.update({f"audit_{name}": audit_entry[name] for name in ENTRY_COLUMNS})
            return _ACCEPT_RECORDED[confirming].execute(conn, params).rowcount == 1
        if _ACCEPT[confirming].execute(conn, params).rowcount != 1:
            return False
        APPEND.execute(conn, dict(audit_entry))
        return True

    def record_failure(self, conn: Connection, token: Token, max_failures: int,
                       now: datetime) -> tuple[int, TokenState] | None:
        """Count one failure; the one that reaches `max_failures` suspends.

        The increment happens in the database, so concurrent failures are never
        lost, and a suspended token matches no row, so nothing more is counted.
        Returns (failures, state) after the update, or None if the token was not
        in the state it was read in (suspended or replaced meanwhile).
        """
        row = _RECORD_FAILURE.execute(conn, {
            "token_id": token.id, "token_serial": token.serial, "read_state": token.state.value,
            "max_failures": max_failures, "now": now}).fetchone()
        return None if row is None else (row[0], TokenState(row[1]))

    def record_rejection(self, conn: Connection, token: Token, max_failures: int,
                         now: datetime, *, audit_entry: Mapping,
                         detail: Mapping | None = None) -> int | None:
        """Count one failure that leaves the token active, with its audit entry.

        `audit_entry` (an AuditRepository.entry, its detail left empty) is written with
        `detail` plus `"failures"`, the count after this one. Returns that count, or
        None, writing nothing, if this failure would suspend the token or it is no
        longer as read: the caller then counts it with record_failure in a transaction.
        On PostgreSQL one statement (so `conn` may be in autocommit); elsewhere two, in
        the caller's transaction.
        """
        params = {"token_id": token.id, "token_serial": token.serial,
                  "read_state": token.state.value, "max_failures": max_failures}
        detail = dict(detail or {})
        if conn.dialect.name == "postgresql":
            text_ = json.dumps({**detail, "failures": _COUNT_MARK}, ensure_ascii=False,
                               sort_keys=True)
            head, tail = text_.split(str(_COUNT_MARK))
            params.update({f"audit_{name}": audit_entry[name] for name in ENTRY_COLUMNS
                           if name != "detail"})
            params.update(detail_head=head, detail_tail=tail)
            row = _REJECTION_RECORDED.execute(conn, params).fetchone()
            return None if row is None else row[0]
        row = _RECORD_BELOW_LIMIT.execute(conn, params).fetchone()
        if row is None:
            return None
        APPEND.execute(conn, {**audit_entry, "detail": json.dumps(
            {**detail, "failures": row[0]}, ensure_ascii=False, sort_keys=True)})
        return row[0]

    def release(self, conn: Connection, institution_id: int, user_id: str) -> bool:
        """suspended → active (or activated, if never confirmed), failures reset."""
        released = case((tokens.c.confirmed_at.is_(None), state_after_release(False).value),
                         else_=state_after_release(True).value)
        return bool(conn.execute(
            update(tokens).where(
                tokens.c.institution_id == institution_id, tokens.c.user_id == user_id,
                tokens.c.state == S.SUSPENDED,
            ).values(state=released, failures=0, suspended_at=None)
        ).rowcount)

    def revoke(self, conn: Connection, institution_id: int, user_id: str, now: datetime,
               available_at: datetime) -> bool:
        """Any existing token → revoked; the secret is destroyed, not just flagged."""
        live_issuance = and_(tokens.c.state.in_([S.ISSUED, S.ACTIVATED]),
                             or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now))
        return bool(conn.execute(
            update(tokens).where(
                tokens.c.institution_id == institution_id, tokens.c.user_id == user_id,
                or_(tokens.c.state.in_([S.ACTIVE, S.SUSPENDED]), live_issuance),
            ).values(state=S.REVOKED, revoked_at=now, setup_available_at=available_at,
                     secret_key_id=None, secret_blob=None, activation_key_id=None,
                     activation_blob=None)
        ).rowcount)

    def secrets_not_under(self, conn: Connection, key_id: str, limit: int):
        """Rows whose secret or activation key is encrypted under another key than `key_id`."""
        return conn.execute(
            select(tokens.c.id, tokens.c.institution_id, tokens.c.user_id, tokens.c.serial,
                   tokens.c.secret_key_id, tokens.c.secret_blob,
                   tokens.c.activation_key_id, tokens.c.activation_blob)
            .where(or_(and_(tokens.c.secret_key_id.is_not(None),
                            tokens.c.secret_key_id != key_id),
                       and_(tokens.c.activation_key_id.is_not(None),
                            tokens.c.activation_key_id != key_id)))
            .limit(limit)
        ).all()

    def rewrap(self, conn: Connection, token_id: int, column: str, old_key_id: str,
               new_key_id: str, blob: bytes) -> bool:
        """Swap one ciphertext for its re-encryption, unless the row changed meanwhile."""
        key_col, blob_col = f"{column}_key_id", f"{column}_blob"
        return bool(conn.execute(
            update(tokens).where(tokens.c.id == token_id, tokens.c[key_col] == old_key_id)
            .values({key_col: new_key_id, blob_col: blob})
        ).rowcount)
