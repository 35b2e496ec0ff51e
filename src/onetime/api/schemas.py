"""Request and response bodies. Field names are the contract: do not rename."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

from onetime.domain import values
from onetime.domain.values import Operation


def _code_chars(value: str) -> str:
    # The exact length is the token's digits (8 unless imported otherwise): checked by the
    # service, which knows the token; here only the characters.
    if not 6 <= len(value) <= 10:
        raise ValueError("code must be a string of 8 digits")
    values.code(value, len(value))
    return value


Code = Annotated[StrictStr, AfterValidator(_code_chars), Field(
    description="8 decimal digits; full-width digits are accepted (NFKC)",
    examples=["12345678"])]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class IssueRequest(_Body):
    email: StrictStr = Field(max_length=254, examples=["user@example.co.jp"])
    activation_password: StrictStr = Field(pattern=r"^[0-9]{4,16}$",
                                            description="4-16 digits, chosen by the user")


class ConfirmRequest(_Body):
    code: Code


class VerifyRequest(_Body):
    code: Code
    operation: Operation


class ActorRequest(_Body):
    actor: StrictStr = Field(max_length=128, examples=["branch:1001"])
    reason: StrictStr = Field(max_length=500, examples=["suspended after 10 wrong codes"])


TokenStateName = Literal["none", "issued", "activated", "active", "suspended", "revoked",
                         "expired"]


class TokenDocumentOut(BaseModel):
    user_id: str
    state: TokenStateName
    serial: str | None
    attempts_left: int | None
    issued_at: datetime | None
    expires_at: datetime | None
    activated_at: datetime | None
    confirmed_at: datetime | None
    suspended_at: datetime | None
    revoked_at: datetime | None
    setup_available_at: datetime | None


class VerificationOut(BaseModel):
    result: Literal["accepted", "rejected", "suspended", "not_active"]
    attempts_left: int | None
    state: TokenStateName


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    event: str
    user_id: str | None
    actor: str | None
    operation: str | None
    result: str | None
    source_ip: str | None
    detail: dict | None


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_cursor: str | None


class ImportedToken(BaseModel):
    serial: str
    user_id: str
    state: TokenStateName


class SkippedKey(BaseModel):
    serial: str | None
    reason: Literal["no_user_id", "invalid_user_id", "no_secret", "unsupported_algorithm",
                    "duplicate_user", "token_exists", "setup_embargoed"]


class ImportResult(BaseModel):
    imported: int
    tokens: list[ImportedToken]
    skipped: list[SkippedKey]


class Problem(BaseModel):
    type: str
    title: str
    status: int
    code: str
    detail: str


class TimeOut(BaseModel):
    now: datetime
    epoch: float


class SetupStartRequest(_Body):
    service_id: StrictStr = Field(max_length=32)
    user_id: StrictStr = Field(max_length=64)
    pake: StrictStr = Field(max_length=200, description="SPAKE2 message A, base64")


class SetupStartOut(BaseModel):
    session_id: str
    pake: str


class SetupFinishRequest(_Body):
    session_id: StrictStr = Field(max_length=64)
    confirm: StrictStr = Field(max_length=100, description="HMAC key confirmation, base64")


class SetupFinishOut(BaseModel):
    confirm: str
    sealed: str
