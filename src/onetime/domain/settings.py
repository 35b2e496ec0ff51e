"""An institution's settings and their defaults (DESIGN.md §4, rule 10)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onetime.domain.errors import InvalidSetting
from onetime.domain.values import MAX_DIGITS, MIN_DIGITS, RULE_3_OPERATIONS, Operation

CONFIRMATION_MODES = ("off", "online", "offline", "both")
# 承認 (issue 12.4): the operations an institution may put under approval.
APPROVABLE_OPERATIONS = frozenset({Operation.TRANSFER, Operation.BULK_TRANSFER,
                                   Operation.PAYROLL_TRANSFER})


@dataclass(frozen=True)
class InstitutionSettings:
    digits: int = 8
    period: int = 60
    # ±1 step: a code typed in the last seconds of its minute still passes,
    # and a device clock a little off still works (RFC 6238 §5.2).
    window: int = 1
    # NIST SP 800-63B allows up to 100; the bank keeps 10.
    max_failures: int = 10
    issuance_lifetime_hours: int = 72
    activation_attempts: int = 5
    embargo_minutes: int = 30
    night_start: time = time(20, 50)
    night_end: time = time(8, 10)
    timezone: str = "Asia/Tokyo"
    otp_operations: frozenset[Operation] = field(default_factory=lambda: RULE_3_OPERATIONS)
    download_url: str = "https://example.invalid/onetime-token"
    support_name: str = "インターネットバンキングサポートセンター"
    # 取引確認 (docs/transaction-confirmation.md): the credit union of the manual leaves
    # it off; "online" signs in the app, "offline" is OCRA on the payee's account number.
    transaction_confirmation: str = "off"
    # 承認: each operation named here is entered as a request that another user with
    # 承認権限 approves (banking/domain/approvals.py); the others are booked at once.
    approval_operations: frozenset[Operation] = frozenset()

    def __post_init__(self) -> None:
        checks = [
            (MIN_DIGITS <= self.digits <= MAX_DIGITS, "digits must be 6-10"),
            (10 <= self.period <= 300, "period must be 10-300 seconds"),
            (0 <= self.window <= 10, "window must be 0-10 steps"),
            (1 <= self.max_failures <= 100, "max_failures must be 1-100 (NIST SP 800-63B)"),
            (1 <= self.issuance_lifetime_hours <= 24 * 30, "issuance_lifetime_hours 1-720"),
            (1 <= self.activation_attempts <= 20, "activation_attempts must be 1-20"),
            (0 <= self.embargo_minutes <= 24 * 60, "embargo_minutes must be 0-1440"),
            (self.transaction_confirmation in CONFIRMATION_MODES,
             "transaction_confirmation must be one of " + ", ".join(CONFIRMATION_MODES)),
            (self.approval_operations <= APPROVABLE_OPERATIONS,
             "approval_operations: transfer, bulk_transfer, payroll_transfer"),
        ]
        for ok, message in checks:
            if not ok:
                raise InvalidSetting(message)
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSetting(f"unknown timezone {self.timezone!r}") from None

    @property
    def online_confirmation(self) -> bool:
        return self.transaction_confirmation in ("online", "both")

    @property
    def offline_confirmation(self) -> bool:
        return self.transaction_confirmation in ("offline", "both")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["night_start"] = self.night_start.strftime("%H:%M")
        data["night_end"] = self.night_end.strftime("%H:%M")
        data["otp_operations"] = sorted(o.value for o in self.otp_operations)
        data["approval_operations"] = sorted(o.value for o in self.approval_operations)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> InstitutionSettings:
        return cls.from_mapping(json.loads(text))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> InstitutionSettings:
        """Build settings from strings or values; unknown names raise InvalidSetting."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in names:
                raise InvalidSetting(f"unknown setting {key!r}")
            values[key] = _parse(key, raw)
        return cls(**values)

    def replace(self, **changes: Any) -> InstitutionSettings:
        return InstitutionSettings.from_mapping({**json.loads(self.to_json()), **changes})


def _parse(key: str, raw: Any) -> Any:
    try:
        if key in ("night_start", "night_end"):
            return raw if isinstance(raw, time) else time.fromisoformat(str(raw))
        if key in ("otp_operations", "approval_operations"):
            items = raw.split(",") if isinstance(raw, str) else raw
            return frozenset(Operation(i.strip()) for i in items if str(i).strip())
        if key in ("timezone", "download_url", "support_name", "transaction_confirmation"):
            return str(raw)
        if isinstance(raw, bool):
            raise ValueError
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidSetting(f"bad value for {key}: {raw!r}") from None
