"""PSKC import (RFC 6030): a bank's existing HOTP/TOTP tokens become onetime tokens.

Two passes, memory flat whatever the document's size. The first streams the document
(`pskc_reader.stream`): each key is decrypted, checked and, if importable, encrypted at
rest and appended to a spool (an anonymous temporary file, BATCH rows a record), so a
document that cannot be read, decrypted or authenticated raises InvalidPskc having
written nothing; the user IDs go through a fixed-size filter (`repeats.RepeatFilter`,
the candidates counted again from the spool), for the rule that a user named twice gets
neither key. The second writes the spool in one transaction, a batch
of rows per statement, with one audit entry. A key that cannot be imported is skipped
with a reason.
"""

from __future__ import annotations

import functools
import marshal
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from onetime.domain import values
from onetime.domain.errors import InvalidUserId
from onetime.domain.institutions import Institution
from onetime.domain.tokens import HOTP_LOOK_AHEAD, TokenKind, TokenState, secret_aad
from onetime.domain.values import MAX_DIGITS, MIN_DIGITS
from onetime.service import pskc_reader, repeats
from onetime.service.context import Context
from onetime.service.pskc_key import Key
from onetime.service.repeats import RepeatFilter
from onetime.service.tokens import new_serial
from onetime.storage.conflicts import DuplicateKey
from onetime.storage.tokens import NewToken

MIN_PERIOD, MAX_PERIOD = 10, 300
# The counter is stored as a signed 64-bit step and the look-ahead goes past it.
MAX_COUNTER = 2**63 - 1 - HOTP_LOOK_AHEAD
# A device serial we can keep as the token's serial (the column holds 40 characters).
SERIAL_PATTERN = re.compile(r"[\x21-\x7e]{1,40}")
# Rows per INSERT and per look-up: SQLite allows 32 766 bound values a statement.
BATCH = 1_000
# Where a spooled row (see ImportService._row) holds the user ID.
_USER = 2
# ("read" or "write", keys done so far)
Progress = Callable[[str, int], None]


class SkipReason(StrEnum):
    """Why a key was not imported (DESIGN.md §7 "PSKC import")."""

    NO_USER_ID = "no_user_id"
    INVALID_USER_ID = "invalid_user_id"
    NO_SECRET = "no_secret"  # noqa: S105 - a reason's name, not a password
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    DUPLICATE_USER = "duplicate_user"
    TOKEN_EXISTS = "token_exists"  # noqa: S105 - a reason's name, not a token
    SETUP_EMBARGOED = "setup_embargoed"


@dataclass(frozen=True, slots=True)
class ImportedToken:
    serial: str
    user_id: str
    state: TokenState


@dataclass(frozen=True)
class SkippedKey:
    serial: str | None
    reason: SkipReason


@dataclass(frozen=True)
class ImportResult:
    """`tokens` lists the imported tokens, unless the caller asked for the count only."""

    imported: int
    tokens: list[ImportedToken]
    skipped: list[SkippedKey]


class ImportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def import_pskc(self, institution: Institution, document: bytes | BinaryIO, *,
                    psk_hex: str | None, password: str | bytes | None, confirmed: bool,
                    actor: str | None, source_ip: str | None,
                    progress: Progress | None = None, list_tokens: bool = True) -> ImportResult:
        """Import the HOTP and TOTP keys of a PSKC document as `activated` tokens.

        With `confirmed` they start `active` instead. `document` is the bytes or a
        seekable binary file; `psk_hex` is the pre-shared key in hex, `password` the
        PBKDF2 password. `progress`, if given, is called with ("read", keys read) while
        reading and ("write", keys written or skipped) while writing. Without
        `list_tokens` the result counts the imported tokens but does not list them, so
        that memory does not grow with the document. Raises InvalidPskc, writing
        nothing, when the document cannot be read, decrypted or authenticated.
        """
        now = self.ctx.clock.now()
        state = TokenState.ACTIVE if confirmed else TokenState.ACTIVATED
        # The rows hold secrets only as the keyring encrypted them, as the tokens table
        # does; the file has no name and goes with the process.
        with tempfile.TemporaryFile(prefix="onetime-import-") as spool:
            staged = self._stage(institution, document, psk_hex, password, state, now, spool,
                                 progress)
            store = functools.partial(self._store, institution, staged, spool, state, now,
                                      confirmed=confirmed, actor=actor, source_ip=source_ip,
                                      progress=progress, list_tokens=list_tokens)
            try:
                count, imported, refused = store()
            except DuplicateKey:
                # A concurrent issuance or import took one of the users or serials first;
                # the checks inside the transaction see it on this second pass.
                count, imported, refused = store()
        return ImportResult(
            imported=count, tokens=imported,
            skipped=[SkippedKey(serial, reason) for _, (serial, reason) in sorted(refused.items())])

    def _stage(self, institution: Institution, document: bytes | BinaryIO, psk_hex: str | None,
               password: str | bytes | None, state: TokenState, now: datetime,
               spool: BinaryIO, progress: Progress | None) -> _Staged:
        """Read, check and encrypt every key; the importable ones go to `spool`."""
        staged = _Staged()
        users = RepeatFilter(repeats.BITS)
        rows: list[tuple] = []
        for index, key in enumerate(pskc_reader.stream(document, psk_hex, password)):
            staged.keys = index + 1
            if reason := _refusal(key):
                staged.refused[index] = (key.serial, reason)
            else:
                assert key.user_id  # narrowing only: _refusal let no key through without it
                users.add(key.user_id)
                rows.append(self._row(institution, index, key, state))
                if len(rows) == BATCH:
                    staged.spool(spool, rows)
                    rows = []
            if progress and staged.keys % 1_000 == 0:
                progress("read", staged.keys)
        staged.spool(spool, rows)
        # Which of two devices is the user's is not ours to guess: neither is bound.
        staged.duplicates = users.repeated(row[_USER] for rows in staged.batches(spool)
                                           for row in rows)
        return staged

    def _row(self, institution: Institution, index: int, key: Key,
             state: TokenState) -> tuple:
        """What the spool keeps of an importable key: `_new_token`'s fields, the secret
        encrypted at rest, plus the key's index and serial as the document gave them."""
        # Narrowing only: _refusal let no key through without these.
        assert key.user_id
        assert key.secret
        assert key.kind
        assert key.algorithm
        user_id = key.user_id
        serial = key.serial if key.serial and SERIAL_PATTERN.fullmatch(key.serial) \
            else new_serial()
        key_id, blob = self.ctx.keyring.encrypt(key.secret,
                                                secret_aad(institution.id, user_id, serial))
        # An HOTP counter is the next value the device shows; the last used is one before.
        last = key.counter - 1 if key.kind == TokenKind.HOTP and key.counter else None
        return (index, key.serial, user_id, serial, key.kind.value, key.algorithm, key.digits,
                key.period, key_id, blob, last)

    @staticmethod
    def _new_token(row: tuple, state: TokenState, now: datetime) -> tuple[int, str | None, str,
                                                                          NewToken]:
        """(index, the document's serial, user ID, the row) from a spooled row."""
        index, given_serial, user_id, serial, kind, algorithm, digits, period, key_id, blob, \
            last = row
        return index, given_serial, user_id, NewToken(
            serial=serial, state=state, kind=TokenKind(kind), algorithm=algorithm,
            digits=digits, period=period, email=None, activation_key_id=None,
            activation_blob=None, activation_attempts_left=0, secret_key_id=key_id,
            secret_blob=blob, issued_at=now, expires_at=None, activated_at=now,
            confirmed_at=now if state == TokenState.ACTIVE else None, last_step=last)

    def _store(self, institution: Institution, staged: _Staged, spool: BinaryIO,
               state: TokenState, now: datetime, *, confirmed: bool, actor: str | None,
               source_ip: str | None, progress: Progress | None, list_tokens: bool,
               ) -> tuple[int, list[ImportedToken], dict[int, tuple[str | None, SkipReason]]]:
        """Write the spooled keys, BATCH at a time, in one transaction with its entry.

        Each batch costs three statements (who holds its serials, the users' current
        tokens, one multi-row INSERT of the users who have none) where one statement per
        check and per row cost 4 round trips a key. A user who has a token goes through
        replace_or_insert's conditional UPDATE, as an issuance does.
        """
        refused = dict(staged.refused)
        written: list[ImportedToken] = []  # in document order, as the spool is
        count = 0
        repo, bulk = self.ctx.tokens, self.ctx.token_import
        done, inserted, analyzed_at = len(staged.refused), 0, 250
        with self.ctx.db.write() as conn:
            for rows in staged.batches(spool):
                batch = []
                # Two users of the document with one serial: an earlier batch's serials are
                # in the table by now (serial_holders finds them), so only this batch's are
                # remembered, and memory does not grow with the document.
                serials_written: set[str] = set()
                for row in rows:
                    index, given_serial, user_id, new = self._new_token(row, state, now)
                    if user_id in staged.duplicates:
                        refused[index] = (given_serial, SkipReason.DUPLICATE_USER)
                    else:
                        batch.append((index, given_serial, user_id, new))
                holders = bulk.serial_holders(conn, [new.serial for *_, new in batch])
                current = bulk.by_users(conn, institution.id, [u for _, _, u, _ in batch])
                fresh: list[tuple[str, NewToken]] = []
                for index, given_serial, user_id, new in batch:
                    holder = holders.get(new.serial, (institution.id, user_id))
                    token = current.get(user_id)
                    if new.serial in serials_written or holder != (institution.id, user_id):
                        refused[index] = (given_serial, SkipReason.TOKEN_EXISTS)
                        continue
                    if token is None:
                        fresh.append((user_id, new))
                    elif not repo.replace_or_insert(conn, institution.id, user_id, new, now):
                        refused[index] = (given_serial,
                                          SkipReason.SETUP_EMBARGOED if token.embargo_until(now)
                                          else SkipReason.TOKEN_EXISTS)
                        continue
                    serials_written.add(new.serial)
                    count += 1
                    if list_tokens:
                        written.append(ImportedToken(new.serial, user_id, new.state))
                # The unique (institution_id, user_id) and serial constraints arbitrate a
                # concurrent issuance: DuplicateKey, and import_pskc tries once more.
                bulk.insert_many(conn, institution.id, fresh)
                inserted += len(fresh)
                if inserted >= analyzed_at * 2:
                    # Statistics as the table doubles: a few ANALYZEs in all, where one a
                    # batch cost a third of a 100 000-key import on PostgreSQL.
                    bulk.refresh_statistics(conn)
                    analyzed_at = inserted
                done += len(rows)
                if progress:
                    progress("write", done)
            reasons = Counter(reason.value for _, reason in refused.values())
            self.ctx.audit.append(
                conn, at=now, institution_id=institution.id, event="tokens_imported",
                actor=actor, source_ip=source_ip,
                detail={"keys": staged.keys, "imported": count,
                        "skipped": len(refused), "reasons": dict(sorted(reasons.items())),
                        "confirmed": confirmed})
        return count, written, refused


@dataclass
class _Staged:
    """What the first pass keeps in memory: counts, refusals, the users named twice."""

    keys: int = 0
    refused: dict[int, tuple[str | None, SkipReason]] = field(default_factory=dict)
    duplicates: set[str] = field(default_factory=set)
    records: int = 0

    def spool(self, spool: BinaryIO, rows: list[tuple]) -> None:
        if rows:
            marshal.dump(rows, spool)
            self.records += 1

    def batches(self, spool: BinaryIO) -> Iterator[list[tuple]]:
        spool.seek(0)
        for _ in range(self.records):
            # S302: our own file, written above, never anyone else's input.
            yield marshal.load(spool)  # noqa: S302


def _valid_user(user_id: str | None) -> bool:
    try:
        values.user_id(user_id)
    except InvalidUserId:
        return False
    return True


def _refusal(key: Key) -> SkipReason | None:
    """Why `key` cannot be imported on its own (duplicates are found across keys)."""
    if not key.user_id:
        return SkipReason.NO_USER_ID
    if not _valid_user(key.user_id):
        return SkipReason.INVALID_USER_ID
    if key.secret is None or not key.secret.reveal():
        return SkipReason.NO_SECRET
    if not _supported(key):
        return SkipReason.UNSUPPORTED_ALGORITHM
    return None


def _supported(key: Key) -> bool:
    if key.kind is None or key.algorithm is None:
        return False
    if not MIN_DIGITS <= key.digits <= MAX_DIGITS or key.check_digit:
        return False
    if key.encoding not in (None, "DECIMAL"):
        return False
    if key.kind == TokenKind.TOTP:
        # Our TOTP counts from the Unix epoch (T0 = 0), as RFC 6238 and every app do.
        return MIN_PERIOD <= key.period <= MAX_PERIOD and not key.time_offset
    return key.counter is None or 0 <= key.counter <= MAX_COUNTER
