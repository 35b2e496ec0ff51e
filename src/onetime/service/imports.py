"""PSKC import (RFC 6030): a bank's existing HOTP/TOTP tokens become onetime tokens.

The document is read and every value decrypted before the transaction opens, so a
document that cannot be read, decrypted or authenticated raises InvalidPskc having
written nothing; the keys that can be imported are then written, with one audit
entry, in one transaction. A key that cannot be imported is skipped with a reason.
"""

from __future__ import annotations

import io
import re
import xml.parsers.expat
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pskc
from pskc.exceptions import PSKCError

from onetime.crypto import Secret
from onetime.domain import values
from onetime.domain.errors import InvalidPskc, InvalidUserId
from onetime.domain.institutions import Institution
from onetime.domain.tokens import HOTP_LOOK_AHEAD, TokenKind, TokenState, secret_aad
from onetime.domain.values import MAX_DIGITS, MIN_DIGITS
from onetime.otp import ALGORITHMS
from onetime.service.context import Context
from onetime.service.tokens import new_serial
from onetime.storage.conflicts import DuplicateKey
from onetime.storage.tokens import NewToken

# PBKDF2 runs on the request thread: a document must not name a cost that stalls it
# (2 000 000 SHA-1 iterations take about a second; vendors use far fewer).
MAX_PBKDF2_ITERATIONS = 2_000_000
MIN_PERIOD, MAX_PERIOD = 10, 300
# The counter is stored as a signed 64-bit step and the look-ahead goes past it.
MAX_COUNTER = 2**63 - 1 - HOTP_LOOK_AHEAD
# A device serial we can keep as the token's serial (the column holds 40 characters).
SERIAL_PATTERN = re.compile(r"[\x21-\x7e]{1,40}")
# What the pskc library raises, beyond its own PSKCError, on a document of a shape it does not
# expect (it trusts the document: a missing element is None where a value was due, a number
# or a date that does not parse, base64 that does not decode).
_MALFORMED: tuple[type[Exception], ...] = (ValueError, TypeError, AttributeError, KeyError,
                                           IndexError, ArithmeticError)


class SkipReason(StrEnum):
    """Why a key was not imported (DESIGN.md §7 "PSKC import")."""

    NO_USER_ID = "no_user_id"
    INVALID_USER_ID = "invalid_user_id"
    NO_SECRET = "no_secret"  # noqa: S105 - a reason's name, not a password
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    DUPLICATE_USER = "duplicate_user"
    TOKEN_EXISTS = "token_exists"  # noqa: S105 - a reason's name, not a token
    SETUP_EMBARGOED = "setup_embargoed"


@dataclass(frozen=True)
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
    tokens: list[ImportedToken]
    skipped: list[SkippedKey]

    @property
    def imported(self) -> int:
        return len(self.tokens)


@dataclass(frozen=True)
class _Key:
    """One key as read from the document; `secret` is decrypted but wrapped."""

    serial: str | None
    user_id: str | None
    secret: Secret | None
    kind: TokenKind | None
    algorithm: str | None
    digits: int
    period: int
    counter: int | None
    time_offset: int | None
    encoding: str | None
    check_digit: bool


class ImportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def import_pskc(self, institution: Institution, document: bytes, *, psk_hex: str | None,
                    password: str | bytes | None, confirmed: bool, actor: str | None,
                    source_ip: str | None) -> ImportResult:
        """Import the HOTP and TOTP keys of a PSKC document as `activated` tokens.

        With `confirmed` they start `active` instead. `psk_hex` is the pre-shared key in
        hex, `password` the PBKDF2 password. Raises InvalidPskc, writing nothing, when
        the document cannot be read, decrypted or authenticated.
        """
        keys = _read(document, psk_hex, password)
        now = self.ctx.clock.now()
        state = TokenState.ACTIVE if confirmed else TokenState.ACTIVATED
        skipped = {i: r for i, key in enumerate(keys) if (r := _refusal(key))}
        users = Counter(k.user_id for i, k in enumerate(keys) if i not in skipped)
        for index, key in enumerate(keys):
            # Which of two devices is the user's is not ours to guess: neither is bound.
            if index not in skipped and users[key.user_id] > 1:
                skipped[index] = SkipReason.DUPLICATE_USER
        rows = [(i, self._new_token(institution, key, state, now))
                for i, key in enumerate(keys) if i not in skipped]
        try:
            imported, refused = self._store(institution, rows, skipped, len(keys), now,
                                            confirmed=confirmed, actor=actor,
                                            source_ip=source_ip)
        except DuplicateKey:
            # A concurrent issuance or import took one of the users or serials first;
            # the checks inside the transaction see it on this second pass.
            imported, refused = self._store(institution, rows, skipped, len(keys), now,
                                            confirmed=confirmed, actor=actor,
                                            source_ip=source_ip)
        return ImportResult(
            tokens=imported,
            skipped=[SkippedKey(keys[i].serial, r) for i, r in sorted(refused.items())])

    def _new_token(self, institution: Institution, key: _Key, state: TokenState,
                   now: datetime) -> tuple[str, NewToken]:
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
        return user_id, NewToken(
            serial=serial, state=state, kind=key.kind, algorithm=key.algorithm,
            digits=key.digits, period=key.period, email=None, activation_key_id=None,
            activation_blob=None, activation_attempts_left=0, secret_key_id=key_id,
            secret_blob=blob, issued_at=now, expires_at=None, activated_at=now,
            confirmed_at=now if state == TokenState.ACTIVE else None, last_step=last)

    def _store(self, institution: Institution, rows: list[tuple[int, tuple[str, NewToken]]],
               skipped: dict[int, SkipReason], key_count: int, now: datetime, *,
               confirmed: bool, actor: str | None, source_ip: str | None,
               ) -> tuple[list[ImportedToken], dict[int, SkipReason]]:
        refused = dict(skipped)
        imported: list[ImportedToken] = []
        repo = self.ctx.tokens
        with self.ctx.db.write() as conn:
            for index, (user_id, new) in rows:
                if repo.serial_in_use(conn, new.serial, institution.id, user_id):
                    refused[index] = SkipReason.TOKEN_EXISTS
                elif repo.replace_or_insert(conn, institution.id, user_id, new, now):
                    imported.append(ImportedToken(new.serial, user_id, new.state))
                else:
                    current = repo.get(conn, institution.id, user_id)
                    embargoed = current is not None and current.embargo_until(now)
                    refused[index] = (SkipReason.SETUP_EMBARGOED if embargoed
                                      else SkipReason.TOKEN_EXISTS)
            reasons = Counter(r.value for r in refused.values())
            self.ctx.audit.append(
                conn, at=now, institution_id=institution.id, event="tokens_imported",
                actor=actor, source_ip=source_ip,
                detail={"keys": key_count, "imported": len(imported),
                        "skipped": len(refused), "reasons": dict(sorted(reasons.items())),
                        "confirmed": confirmed})
        return imported, refused


def _valid_user(user_id: str | None) -> bool:
    try:
        values.user_id(user_id)
    except InvalidUserId:
        return False
    return True


def _refusal(key: _Key) -> SkipReason | None:
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


def _supported(key: _Key) -> bool:
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


# -- reading the document ---------------------------------------------------------------


def _read(document: bytes, psk_hex: str | None, password: str | bytes | None) -> list[_Key]:
    """Parse and decrypt every key. Raises InvalidPskc."""
    if psk_hex is not None and password is not None:
        raise InvalidPskc("send PSKC-Key or PSKC-Password, not both")
    _refuse_dtd(document)
    try:
        container = pskc.PSKC(io.BytesIO(document))
    except (PSKCError, *_MALFORMED):
        raise InvalidPskc("the document is not a readable PSKC document") from None
    if psk_hex is not None:
        try:
            container.encryption.key = bytes.fromhex(psk_hex.strip())
        except ValueError:
            raise InvalidPskc("PSKC-Key must be hexadecimal") from None
    elif password is not None:
        _derive(container, password)
    try:
        read = [_library_values(k) for k in container.keys]
    except PSKCError:
        raise InvalidPskc("a value could not be decrypted or authenticated: wrong or missing"
                          " PSKC-Key or PSKC-Password, or a MAC mismatch") from None
    except _MALFORMED:
        raise InvalidPskc("a value in the document is malformed") from None
    # Outside the try: an error of our own making is a bug, not a malformed document.
    return [_key(values) for values in read]


def _refuse_dtd(document: bytes) -> None:
    """PSKC needs no DTD; refusing one rules out entity expansion and external entities."""

    def refuse(*_args) -> None:
        raise InvalidPskc("DTDs and entity declarations are not accepted")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(document, True)
    except xml.parsers.expat.ExpatError:
        raise InvalidPskc("the document is not well-formed XML") from None


def _derive(container: pskc.PSKC, password: str | bytes) -> None:
    derivation = container.encryption.derivation
    iterations = derivation.pbkdf2_iterations or 0
    length = derivation.pbkdf2_key_length or 0
    if iterations > MAX_PBKDF2_ITERATIONS:
        raise InvalidPskc(f"PBKDF2 iteration count above {MAX_PBKDF2_ITERATIONS}")
    if length > 64:
        raise InvalidPskc("PBKDF2 key length above 64 bytes")
    try:
        container.encryption.derive_key(password)
    except (PSKCError, ValueError, TypeError):
        raise InvalidPskc("no key can be derived from PSKC-Password for this document") \
            from None


_LIBRARY_VALUES = ("serial", "key_userid", "device_userid", "secret", "algorithm",
                   "algorithm_suite", "response_length", "counter", "time_interval",
                   "time_offset", "response_encoding", "response_check")


def _library_values(key) -> dict:
    """Every value of one pskc Key that the import reads. The library parses and decrypts
    them lazily, here: it raises PSKCError on a bad key or MAC, one of _MALFORMED on a
    value of the wrong shape."""
    return {name: getattr(key, name) for name in _LIBRARY_VALUES}


def _key(values: dict) -> _Key:
    """One key, from the values `_library_values` read."""
    kind = _kind(values["algorithm"])
    secret, counter, interval = values["secret"], values["counter"], values["time_interval"]
    encoding = values["response_encoding"]
    return _Key(
        serial=values["serial"], user_id=values["key_userid"] or values["device_userid"],
        secret=Secret(secret) if secret is not None else None,
        kind=kind, algorithm=_hash(values["algorithm_suite"]),
        # RFC 4226's six digits and RFC 6238's 30 seconds when the document is silent.
        digits=values["response_length"] if values["response_length"] is not None else 6,
        period=(interval if interval is not None else 30) if kind == TokenKind.TOTP else 0,
        counter=counter, time_offset=values["time_offset"],
        encoding=encoding.upper() if encoding else None,
        check_digit=bool(values["response_check"]))


def _kind(algorithm: str | None) -> TokenKind | None:
    """hotp/totp from the algorithm URI (`urn:ietf:params:xml:ns:keyprov:pskc:hotp`)."""
    name = re.split(r"[:#/]", (algorithm or "").strip().lower())[-1]
    return {"hotp": TokenKind.HOTP, "totp": TokenKind.TOTP}.get(name)


def _hash(suite: str | None) -> str | None:
    """sha1/sha256/sha512 from a Suite such as `HMAC-SHA256`; SHA-1 when absent, else None."""
    if not suite:
        return "sha1"
    name = suite.strip().lower().removeprefix("hmac").strip("-_ ").replace("-", "")
    return name if name in ALGORITHMS else None
