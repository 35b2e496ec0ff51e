"""Step-up: what an operation asks for on top of the session (rule 3).

Each of the seven operations of rule 3 is one entry in `REGISTRY`. Adding an
operation to the site is: one `register()` line here (if it is new), one screen
that calls `StepUpService.check` with it. Whether a code is asked for is the
institution's policy (`InstitutionSettings.otp_operations`), and only once the
branch has enabled OTP for the contract (rule 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onetime.domain.errors import InvalidOperation
from onetime.domain.settings import InstitutionSettings
from onetime.domain.values import Operation


@dataclass(frozen=True)
class StepUp:
    """One protected operation; `label` is its key in the site's message catalogue."""

    operation: Operation
    label: str


@dataclass(frozen=True)
class Requirement:
    """What the user types for one operation: always the confirmation password (or PIN),
    and a one-time password when the policy asks for one."""

    operation: Operation
    confirmation_password: bool
    code: bool


REGISTRY: dict[Operation, StepUp] = {}


def register(operation: Operation, label: str) -> StepUp:
    entry = StepUp(operation, label)
    REGISTRY[operation] = entry
    return entry


# The manual's list, in its order.
register(Operation.TRANSFER, "op.transfer")  # 振込・振替（都度指定方式）
register(Operation.BULK_TRANSFER, "op.bulk_transfer")  # 総合振込
register(Operation.PAYROLL_TRANSFER, "op.payroll_transfer")  # 給与・賞与振込
register(Operation.APPROVAL, "op.approval")  # 承認手続
register(Operation.PAYEASY, "op.payeasy")  # 税金・各種料金の払込み（ペイジー）
register(Operation.TOKEN_MANAGEMENT, "op.token_management")  # トークン管理
register(Operation.USER_MANAGEMENT, "op.user_management")  # 利用者管理


def requirement(operation: Operation, settings: InstitutionSettings, *,
                otp_enabled: bool) -> Requirement:
    """What `operation` asks for. Raises InvalidOperation for one not in the registry."""
    if operation not in REGISTRY:
        raise InvalidOperation(f"{operation} is not a step-up operation")
    return Requirement(operation=operation, confirmation_password=True,
                       code=otp_enabled and operation in settings.otp_operations)


# トークン管理 behind the step-up: one passed step-up opens its screens for this long, in
# the session that passed it (each revocation still asks for its own step-up).
GRANT = timedelta(minutes=10)


def still_granted(granted_at: datetime | None, now: datetime,
                  lifetime: timedelta = GRANT) -> bool:
    """Whether a step-up passed at `granted_at` still opens the screens at `now`."""
    return granted_at is not None and granted_at <= now < granted_at + lifetime
