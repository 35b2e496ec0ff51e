"""Contracts, their users and branch staff, and who may act on whom (rules 8 and 9).

Pure: the service layer loads the people, these functions say yes (return) or no
(raise an error with a stable code), and what a suspended user should be told.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from onetime.banking.domain.errors import (
    InvalidLoginId,
    MasterExists,
    NotPermitted,
    ReasonRequired,
    SelfReleaseContactBranch,
    SelfReleaseNotPermitted,
    SelfRevocationNotPermitted,
    UserNotFound,
    WeakPassword,
)
from onetime.domain.values import REASON_MAX, RULE_3_OPERATIONS, Operation

LOGIN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{5,31}")
PASSWORD_MIN, PASSWORD_MAX = 8, 64
# A contract's limits unless the branch sets others (yen); users' limits stay within them.
CONTRACT_LIMIT_PER_TRANSFER = 10_000_000
CONTRACT_LIMIT_PER_DAY = 50_000_000


class Role(StrEnum):
    """マスターユーザ (exactly one per contract), 管理者ユーザ, 一般ユーザ."""

    MASTER = "master"
    ADMIN = "admin"
    GENERAL = "general"


MANAGERS = frozenset({Role.MASTER, Role.ADMIN})


class StaffRole(StrEnum):
    """Branch staff: what each may do is banking/domain/rights.py's STAFF_MAY."""

    CLERK = "clerk"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Contract:
    """ご契約先: a business customer; OTP use starts when the branch enables it (rule 4)."""

    id: int
    institution_id: int
    number: str
    name: str
    otp_enabled_at: datetime | None = None
    otp_enabled_by: str | None = None
    limit_per_transfer: int = CONTRACT_LIMIT_PER_TRANSFER
    limit_per_day: int = CONTRACT_LIMIT_PER_DAY

    @property
    def otp_enabled(self) -> bool:
        return self.otp_enabled_at is not None


@dataclass(frozen=True)
class SiteUser:
    """A user under a contract; `user_id` is the user's ID on the OTP service."""

    id: int
    institution_id: int
    contract_id: int
    login_id: str
    user_id: str
    name: str
    role: Role
    # 利用者管理: which of rule 3's operations, 承認権限, own limits (None: the contract's).
    operations: frozenset[Operation] = RULE_3_OPERATIONS
    approver: bool = True
    limit_per_transfer: int | None = None
    limit_per_day: int | None = None
    must_change_password: bool = False

    @property
    def actor(self) -> str:
        """How the audit names this user (DESIGN.md §7, actor)."""
        return f"user:{self.user_id}"

    @property
    def manages_users(self) -> bool:
        return self.role in MANAGERS


@dataclass(frozen=True)
class BranchStaff:
    id: int
    institution_id: int
    staff_id: str
    name: str
    role: StaffRole = StaffRole.CLERK

    @property
    def actor(self) -> str:
        return f"branch:{self.staff_id}"


class SuspensionAdvice(StrEnum):
    """What a suspended user is told to do (rule 8)."""

    ASK_MANAGER = "ask_manager"  # a master or admin user releases
    ASK_ADMIN = "ask_admin"  # the master user: an admin user releases
    CONTACT_BRANCH = "contact_branch"  # the master user, and the contract has no admin user


def has_admin(users: Iterable[SiteUser]) -> bool:
    return any(u.role == Role.ADMIN for u in users)


def suspension_advice(user: SiteUser, colleagues: Iterable[SiteUser]) -> SuspensionAdvice:
    """Who can release `user`'s suspension, given everyone under the contract."""
    if user.role != Role.MASTER:
        return SuspensionAdvice.ASK_MANAGER
    return SuspensionAdvice.ASK_ADMIN if has_admin(colleagues) else SuspensionAdvice.CONTACT_BRANCH


def ensure_may_release(actor: SiteUser, target: SiteUser,
                       colleagues: Iterable[SiteUser]) -> None:
    """Rule 8: a master or admin user releases; an admin releases the master; never oneself.

    Raises NotPermitted (a general user), UserNotFound (another contract's user),
    SelfReleaseContactBranch (the master, with no admin user), SelfReleaseNotPermitted.
    """
    _ensure_manager(actor, target)
    if actor.id == target.id:
        if suspension_advice(actor, colleagues) == SuspensionAdvice.CONTACT_BRANCH:
            raise SelfReleaseContactBranch("a master user without admin users asks the branch")
        raise SelfReleaseNotPermitted("nobody releases their own suspension")
    # With one master per contract, a target master here means the actor is an admin user.


def ensure_may_revoke(actor: SiteUser, target: SiteUser) -> None:
    """Rule 9: a master or admin user revokes the token of another user of the contract.
    Their own goes through another master or admin user, or the branch: revoking it from
    the admin screens would leave them without the code that the screens ask for.

    Raises NotPermitted (a general user), UserNotFound (another contract's user),
    SelfRevocationNotPermitted.
    """
    _ensure_manager(actor, target)
    if actor.id == target.id:
        raise SelfRevocationNotPermitted("nobody revokes their own token on these screens")


def ensure_manages_users(actor: SiteUser) -> None:
    """管理 → 利用者管理 is for master and admin users. Raises NotPermitted."""
    if not actor.manages_users:
        raise NotPermitted("only master and admin users manage users")


def may_release(actor: SiteUser, target: SiteUser, colleagues: Iterable[SiteUser]) -> bool:
    try:
        ensure_may_release(actor, target, colleagues)
    except (NotPermitted, UserNotFound):
        return False
    return True


def may_revoke(actor: SiteUser, target: SiteUser) -> bool:
    try:
        ensure_may_revoke(actor, target)
    except (NotPermitted, UserNotFound):
        return False
    return True


def _ensure_manager(actor: SiteUser, target: SiteUser) -> None:
    ensure_manages_users(actor)
    if actor.contract_id != target.contract_id or actor.institution_id != target.institution_id:
        raise UserNotFound("no such user under this contract")


def ensure_one_master(existing: Iterable[SiteUser], role: Role) -> None:
    """A contract has exactly one master user. Raises MasterExists."""
    if role == Role.MASTER and any(u.role == Role.MASTER for u in existing):
        raise MasterExists("the contract already has a master user")


def reason(value: object) -> str:
    """A branch action's reason: 1-500 characters after trimming. Raises ReasonRequired."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > REASON_MAX:
        raise ReasonRequired("give a reason of 1-500 characters")
    return value.strip()


def login_id(value: object) -> str:
    """6-32 of A-Z a-z 0-9 . _ @ -, first a letter or digit; full-width is folded (NFKC)."""
    if not isinstance(value, str):
        raise InvalidLoginId("login ID must be text")
    folded = unicodedata.normalize("NFKC", value).strip()
    if not LOGIN_ID_PATTERN.fullmatch(folded):
        raise InvalidLoginId("login ID: 6-32 of A-Z a-z 0-9 . _ @ -")
    return folded


def password(value: object) -> str:
    """Login and confirmation passwords: 8-64 characters with a letter and a digit."""
    if not isinstance(value, str) or not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise WeakPassword(f"passwords have {PASSWORD_MIN}-{PASSWORD_MAX} characters")
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        raise WeakPassword("passwords mix letters and digits")
    return value
