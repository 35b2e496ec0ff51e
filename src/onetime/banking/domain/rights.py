"""Who may do what: branch staff by role, and a user's rights and limits (利用者管理).

Pure, like people.py: the services load the people and the day's total, these
functions return the checked values or raise an error with a stable code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from enum import StrEnum

from onetime.banking.domain.errors import (
    DailyLimitExceeded,
    InvalidApprover,
    InvalidContractNumber,
    InvalidLimit,
    InvalidName,
    InvalidOperations,
    InvalidRole,
    LimitOverContract,
    MasterNotChangeable,
    OperationNotPermitted,
    OverUserLimit,
    SelfDeletionNotPermitted,
    SelfRoleChangeNotPermitted,
    StaffNotPermitted,
    UserNotFound,
)
from onetime.banking.domain.people import (
    CONTRACT_LIMIT_PER_DAY,
    CONTRACT_LIMIT_PER_TRANSFER,
    BranchStaff,
    Contract,
    Role,
    SiteUser,
    StaffRole,
    ensure_manages_users,
)
from onetime.domain.values import RULE_3_OPERATIONS, Operation

NAME_MAX = 100
LIMIT_DIGITS = 12  # yen; a trillion is more than any contract's limit

# -- branch staff ------------------------------------------------------------------


class StaffAction(StrEnum):
    ADD_CONTRACT = "add_contract"  # ご契約先登録
    RELEASE = "release"  # 利用停止解除 for a contract without admin users
    RESET_ISSUANCE = "reset_issuance"  # 発行のやり直し
    ENABLE_OTP = "enable_otp"  # 認証開始申込
    REVOKE = "revoke"  # トークンの失効
    ADD_STAFF = "add_staff"  # 行員登録
    OPEN_ACCOUNT = "open_account"  # 口座開設 with its first deposit


# The one place that says what each role may do: a clerk serves the counter; what
# starts OTP, ends a token, makes a branch account or opens a deposit account is a
# supervisor's.
STAFF_MAY: dict[StaffRole, frozenset[StaffAction]] = {
    StaffRole.CLERK: frozenset({StaffAction.ADD_CONTRACT, StaffAction.RELEASE,
                                StaffAction.RESET_ISSUANCE}),
    StaffRole.SUPERVISOR: frozenset(StaffAction),
}


def staff_may(staff: BranchStaff, action: StaffAction) -> bool:
    return action in STAFF_MAY[staff.role]


def ensure_staff_may(staff: BranchStaff, action: StaffAction) -> None:
    """Raises StaffNotPermitted."""
    if not staff_may(staff, action):
        raise StaffNotPermitted(f"{action.value} is for supervisors")


def staff_role(value: object) -> StaffRole:
    try:
        return StaffRole(_fold(value))
    except ValueError:
        raise InvalidRole("staff role: clerk or supervisor") from None


# -- what people are called ----------------------------------------------------------


def name(value: object) -> str:
    """A person's or contract's name: 1-100 characters after trimming. Raises InvalidName."""
    text = " ".join(_fold(value).split())
    if not text or len(text) > NAME_MAX or not text.isprintable():
        raise InvalidName(f"a name of 1-{NAME_MAX} characters")
    return text


def contract_number(value: object) -> str:
    text = _fold(value)
    if not re.fullmatch(r"[0-9]{1,16}", text):
        raise InvalidContractNumber("contract number: 1-16 digits")
    return text


# -- a user's rights and limits -------------------------------------------------------


@dataclass(frozen=True)
class Rights:
    """What 利用者登録 / 利用者情報変更 set: role, operations, 承認権限, limits."""

    role: Role
    operations: frozenset[Operation]
    approver: bool
    limit_per_transfer: int | None
    limit_per_day: int | None

    @classmethod
    def of(cls, user: SiteUser) -> Rights:
        return cls(user.role, user.operations, user.approver, user.limit_per_transfer,
                   user.limit_per_day)


def managed_role(value: object) -> Role:
    """利用者登録 makes admin and general users; the master comes with the contract."""
    try:
        role = Role(_fold(value))
    except ValueError:
        raise InvalidRole("role: admin or general") from None
    if role == Role.MASTER:
        raise InvalidRole("the master user comes with the contract")
    return role


def operations(values: Iterable[object]) -> frozenset[Operation]:
    """Some of rule 3's seven operations. Raises InvalidOperations."""
    chosen = set()
    for value in values:
        try:
            operation = Operation(_fold(value))
        except ValueError:
            raise InvalidOperations(f"unknown operation {str(value)[:40]!r}") from None
        if operation not in RULE_3_OPERATIONS:
            raise InvalidOperations(f"{operation.value} is not one of rule 3's operations")
        chosen.add(operation)
    return frozenset(chosen)


def approver(value: object) -> bool:
    """承認権限 as a file or form says it: yes/no, true/false, 1/0, on, blank (no)."""
    if isinstance(value, bool):
        return value
    text = _fold(value).lower()
    if text in ("yes", "true", "1", "on", "y"):
        return True
    if text in ("no", "false", "0", "off", "n", ""):
        return False
    raise InvalidApprover("approver: yes or no")


def limit(value: object) -> int | None:
    """Whole yen ("1,000" and "１０００" read as 1000); blank is None: the contract's."""
    text = _fold(value).replace(",", "").removesuffix("円")
    if not text:
        return None
    if not re.fullmatch(rf"[0-9]{{1,{LIMIT_DIGITS}}}", text) or int(text) < 1:
        raise InvalidLimit("a limit is a whole number of yen, at least 1")
    return int(text)


def contract_limits(per_transfer: object, per_day: object) -> tuple[int, int]:
    """A contract's two limits; blank is the bank's default. Raises InvalidLimit."""
    one = limit(per_transfer) or CONTRACT_LIMIT_PER_TRANSFER
    day = limit(per_day) or CONTRACT_LIMIT_PER_DAY
    if one > day:
        raise InvalidLimit("one transfer cannot exceed the daily limit")
    return one, day


def limits(per_transfer: object, per_day: object,
           contract: Contract) -> tuple[int | None, int | None]:
    """A user's two limits, each at most the contract's, one transfer at most a day's.

    Raises InvalidLimit or LimitOverContract.
    """
    one, day = limit(per_transfer), limit(per_day)
    if one is not None and one > contract.limit_per_transfer:
        raise LimitOverContract("the one-transfer limit is over the contract's")
    if day is not None and day > contract.limit_per_day:
        raise LimitOverContract("the daily limit is over the contract's")
    if one is not None and one > (day or contract.limit_per_day):
        raise InvalidLimit("one transfer cannot exceed the daily limit")
    return one, day


def effective_limits(user: SiteUser, contract: Contract) -> tuple[int, int]:
    """(one transfer, one day) in yen: the user's own, or else the contract's."""
    return (user.limit_per_transfer or contract.limit_per_transfer,
            user.limit_per_day or contract.limit_per_day)


def ensure_may_transfer(user: SiteUser, contract: Contract, amount: int,
                        transferred_today: int) -> None:
    """振込・振替: `ensure_may` for Operation.TRANSFER."""
    ensure_may(user, contract, Operation.TRANSFER, amount, transferred_today)


def ensure_may(user: SiteUser, contract: Contract, operation: Operation, amount: int,
               spent_today: int) -> None:
    """The user has the right to `operation`, `amount` (a batch's total: one booking, one
    取引) is within their one-transfer limit, and today's total with it within their
    daily limit. The same for 振込・振替, 総合振込, 給与・賞与振込 and ペイジー.

    Raises OperationNotPermitted, OverUserLimit, DailyLimitExceeded.
    """
    ensure_right(user, operation)
    ensure_within_limits(user, contract, amount, spent_today)


def ensure_right(user: SiteUser, operation: Operation) -> None:
    """The user holds the right to `operation` (利用権限), whatever the amount: checked
    before a file is read or a bill looked up. Raises OperationNotPermitted."""
    if operation not in user.operations:
        raise OperationNotPermitted(f"the user may not do {operation.value}")


def ensure_within_limits(user: SiteUser, contract: Contract, amount: int,
                         spent_today: int) -> None:
    """Raises OverUserLimit, DailyLimitExceeded."""
    one, day = effective_limits(user, contract)
    if amount > one:
        raise OverUserLimit(f"over the one-transfer limit of {one} yen")
    if spent_today + amount > day:
        raise DailyLimitExceeded(f"over the daily limit of {day} yen")


def may(user: SiteUser, operation: Operation) -> bool:
    """Whether the menu shows `operation` to the user."""
    return operation in user.operations


def day_start(now: datetime, zone: tzinfo) -> datetime:
    """The start of `now`'s bank-local day, in UTC: where "today's transfers" begin."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), zone).astimezone(UTC)


# -- 利用者管理: who changes and deletes whom -------------------------------------------


def ensure_may_change(actor: SiteUser, target: SiteUser, rights: Rights) -> None:
    """A master or admin user changes users of their contract; an admin user not the
    master; nobody their own role, rights or limits (their name, yes).

    Raises NotPermitted, UserNotFound, MasterNotChangeable, SelfRoleChangeNotPermitted.
    """
    _ensure_same_contract(actor, target)
    if target.id == actor.id:
        if rights != Rights.of(target):
            raise SelfRoleChangeNotPermitted("nobody changes their own role or rights")
        return
    if target.role == Role.MASTER:
        raise MasterNotChangeable("the master user is changed by the branch")


def ensure_may_delete(actor: SiteUser, target: SiteUser) -> None:
    """Raises NotPermitted, UserNotFound, SelfDeletionNotPermitted, MasterNotChangeable."""
    _ensure_same_contract(actor, target)
    if target.id == actor.id:
        raise SelfDeletionNotPermitted("nobody deletes themselves")
    if target.role == Role.MASTER:
        raise MasterNotChangeable("the master user goes with the contract")


def _ensure_same_contract(actor: SiteUser, target: SiteUser) -> None:
    ensure_manages_users(actor)
    if actor.contract_id != target.contract_id or actor.institution_id != target.institution_id:
        raise UserNotFound("no such user under this contract")


def _fold(value: object) -> str:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
