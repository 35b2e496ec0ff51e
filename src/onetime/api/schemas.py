"""Request and response bodies. Field names are the contract: do not rename."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

from onetime.domain import values
from onetime.domain.errors import InvalidCodeFormat
from onetime.domain.values import Operation


def _code_chars(value: str) -> str:
    # The exact length is the token's digits (8, or 6-10 for an imported token): checked
    # by the service, which knows the token; here only the characters.
    try:
        values.code(value, len(value))
    except InvalidCodeFormat:
        raise ValueError("code must be decimal digits") from None
    return value


Code = Annotated[StrictStr, Field(
    min_length=values.MIN_DIGITS, max_length=values.MAX_DIGITS,
    description="8 decimal digits (an imported token's own 6-10); full-width digits are"
                " accepted (NFKC)", examples=["12345678"]), AfterValidator(_code_chars)]


# Free text is stored and shown: no control characters (PostgreSQL cannot even store NUL).
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"
# A reason may span lines (a branch console's text area); other controls are refused.
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# values.EMAIL_PATTERN, without control characters; the service checks it again.
EMAIL = r"^[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$"
USER_ID = f"^{values.USER_ID_PATTERN.pattern}$"
SERVICE_ID = f"^{values.SERVICE_ID_PATTERN.pattern}$"
ACTIVATION_PASSWORD = f"^{values.ACTIVATION_PASSWORD_PATTERN.pattern}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class IssueRequest(_Body):
    email: StrictStr = Field(max_length=254, pattern=EMAIL, examples=["user@example.co.jp"])
    activation_password: StrictStr = Field(pattern=ACTIVATION_PASSWORD,
                                            description="4-16 digits, chosen by the user")


class ConfirmRequest(_Body):
    code: Code


class VerifyRequest(_Body):
    code: Code
    operation: Operation


class ActorRequest(_Body):
    actor: StrictStr = Field(min_length=1, max_length=128, pattern=NO_CONTROLS,
                             examples=["branch:1001"],
                             description="who acted: user:<user_id> or branch:<staff id>")
    reason: StrictStr = Field(max_length=500, pattern=TEXT,
                              examples=["suspended after 10 wrong codes"])


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
    """An RFC 9457 problem document; `code` is the stable, machine-readable part."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    setup_available_at: datetime | None = Field(
        default=None, description="only with code setup_embargoed")
    attempts_left: int | None = Field(default=None, description="only with code setup_failed")


class TimeOut(BaseModel):
    now: datetime
    epoch: float


class SetupStartRequest(_Body):
    service_id: StrictStr = Field(pattern=SERVICE_ID, max_length=32)
    user_id: StrictStr = Field(pattern=USER_ID, max_length=64)
    pake: StrictStr = Field(max_length=200, description="SPAKE2 message A, base64")


class SetupStartOut(BaseModel):
    session_id: str
    pake: str


class SetupFinishRequest(_Body):
    session_id: StrictStr = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    confirm: StrictStr = Field(max_length=100, description="HMAC key confirmation, base64")


class SetupFinishOut(BaseModel):
    confirm: str
    sealed: str


# -- 取引確認 (docs/transaction-confirmation.md) --------------------------------------
# The shapes, for the OpenAPI document and the first checks; the domain
# (TransactionDetails.from_mapping) checks every rule again and is the one that decides.


class PayeeIn(_Body):
    bank_code: StrictStr = Field(pattern=r"^[0-9]{4}$", examples=["0001"])
    bank_name: StrictStr = Field(min_length=1, max_length=48, pattern=NO_CONTROLS,
                                 examples=["みずほ銀行"])
    branch_code: StrictStr = Field(pattern=r"^[0-9]{3}$", examples=["100"])
    branch_name: StrictStr = Field(min_length=1, max_length=48, pattern=NO_CONTROLS,
                                   examples=["東京営業部"])
    account_type: Literal["ordinary", "current", "savings"] = Field(
        description="預金種目: 普通, 当座, 貯蓄")
    account_number: StrictStr = Field(pattern=r"^[0-9]{7}$", examples=["1234567"])
    account_name: StrictStr = Field(min_length=1, max_length=48, pattern=NO_CONTROLS,
                                    examples=["ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ"])


class TransactionIn(_Body):
    """A one-off transfer (payee and amount) or a batch (count and total); an approval
    either."""

    operation: Literal["transfer", "bulk_transfer", "payroll_transfer", "approval"]
    payee: PayeeIn | None = None
    amount: int | None = Field(default=None, strict=True, ge=1, le=99_999_999_999,
                               description="yen")
    count: int | None = Field(default=None, strict=True, ge=1, le=99_999)
    total: int | None = Field(default=None, strict=True, ge=1, le=99_999_999_999,
                              description="yen")

    def details(self) -> dict:
        return self.model_dump(exclude_none=True)


class ConfirmationOut(BaseModel):
    id: str
    user_id: str
    serial: str = Field(description="the token that may sign it")
    state: Literal["pending", "confirmed", "rejected", "expired", "voided", "executed"]
    operation: str
    payee: PayeeIn | None
    amount: int | None
    count: int | None
    total: int | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None


class ConfirmationList(BaseModel):
    confirmations: list[ConfirmationOut]


class ApprovalRequest(_Body):
    signature: StrictStr = Field(max_length=100, description="HMAC-SHA256 of the canonical"
                                 " encoding under the token's signature key, base64")


class OcraRequest(_Body):
    challenge: StrictStr = Field(pattern=r"^[0-9]{7}$", description="the payee's account"
                                 " number, as the user typed it into the app")
    response: Code
