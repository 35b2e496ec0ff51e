"""The branch console (店舗窓口): what staff do for customers, each with a reason, audited.

認証開始申込 (rule 4), releasing a suspension when the contract has no admin user
(rule 8), revoking a token for a master user who changed phones (rule 9), and
resetting an issuance that is stuck waiting for setup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from onetime.banking.domain import people, rights
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import (
    LoginIdTaken,
    NoIssuanceToReset,
    OtpAlreadyEnabled,
    UnknownStaff,
)
from onetime.banking.domain.people import BranchStaff, Contract, SiteUser, StaffRole
from onetime.banking.domain.rights import StaffAction
from onetime.banking.service.context import Context
from onetime.banking.service.login import STAFF, LoginService
from onetime.banking.service.sessions import SessionService
from onetime.banking.service.tokens import Tokens
from onetime.banking.service.users import SiteUserService
from onetime.banking.storage.database import DuplicateKey
from onetime.banking.storage.ledger import Account
from onetime.crypto import PasswordHasher
from onetime.domain.documents import TokenDocument
from onetime.domain.errors import NoIssuance


@dataclass(frozen=True)
class ContractView:
    contract: Contract
    users: list[tuple[SiteUser, TokenDocument]]
    accounts: list[Account] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    contracts: list[Contract]
    users: list[SiteUser]


class BranchService:
    def __init__(self, ctx: Context, users: SiteUserService, tokens: Tokens,
                 hasher: PasswordHasher, login: LoginService, kick: Callable[[], None],
                 sessions: SessionService) -> None:
        self.ctx, self.users, self.tokens = ctx, users, tokens
        self.hasher, self.login, self.kick, self.sessions = hasher, login, kick, sessions
        self.repo = ctx.people

    def add_staff(self, institution: Bank, staff_id: str, name: str,
                  password: str, role: StaffRole = StaffRole.CLERK) -> BranchStaff:
        """A staff account with a known password (the demo, tests); 行員登録 and the CLI go
        through OnboardingService, which audits and generates the password."""
        staff_id = people.login_id(staff_id)
        people.password(password)
        password_hash = self.hasher.hash(password)
        try:
            with self.ctx.db.write() as conn:
                pk = self.repo.add_staff(conn, institution.id, staff_id, name, password_hash,
                                         self.ctx.clock.now(), role)
                staff = self.repo.staff(conn, institution.id, pk)
        except DuplicateKey:
            raise LoginIdTaken("staff ID already in use") from None
        assert staff is not None
        return staff

    def authenticate(self, institution: Bank, staff_id: str, password: str, *,
                     source_ip: str | None = None) -> BranchStaff:
        """Raises LoginFailed or LoginThrottled, as for customers (service/login.py)."""
        return self.login.authenticate(STAFF, institution, staff_id, password,
                                       source_ip=source_ip)

    def staff(self, institution: Bank, staff_pk: int) -> BranchStaff:
        with self.ctx.db.read() as conn:
            staff = self.repo.staff(conn, institution.id, staff_pk)
        if staff is None:
            raise UnknownStaff("no such staff account")
        return staff

    # -- reading -----------------------------------------------------------------

    def search(self, institution: Bank, query: str) -> SearchResult:
        query = (query or "").strip()[:64]
        with self.ctx.db.read() as conn:
            return SearchResult(self.repo.search_contracts(conn, institution.id, query),
                                self.repo.search_users(conn, institution.id, query))

    def contract_view(self, institution: Bank, contract_id: int) -> ContractView:
        contract = self.users.contract(institution, contract_id)
        with self.ctx.db.read() as conn:
            members = self.repo.users_of(conn, contract.id)
            accounts = self.ctx.ledger.accounts_of(conn, contract.id)
        return ContractView(contract, [(u, self.tokens.get_token(institution, u.user_id))
                                       for u in members], accounts)

    # -- acting ------------------------------------------------------------------

    def enable_otp(self, institution: Bank, staff: BranchStaff, contract_id: int,
                   reason: str, *, source_ip: str | None = None) -> Contract:
        """認証開始申込. Raises StaffNotPermitted (a clerk), ReasonRequired,
        ContractNotFound, OtpAlreadyEnabled."""
        rights.ensure_staff_may(staff, StaffAction.ENABLE_OTP)
        reason = people.reason(reason)
        contract = self.users.contract(institution, contract_id)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if not self.repo.enable_otp(conn, contract.id, staff.actor, now):
                raise OtpAlreadyEnabled("OTP is already enabled for this contract")
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="otp_enabled", actor=staff.actor, source_ip=source_ip,
                                  detail={"contract": contract.number, "reason": reason})
        return self.users.contract(institution, contract_id)

    def release(self, institution: Bank, staff: BranchStaff, site_user_id: int,
                reason: str, *, source_ip: str | None = None) -> TokenDocument:
        """Raises StaffNotPermitted, ReasonRequired, UserNotFound, TokenNotSuspended."""
        rights.ensure_staff_may(staff, StaffAction.RELEASE)
        reason = people.reason(reason)
        user = self.users.user(institution, site_user_id)
        doc = self.tokens.release(institution, user.user_id, actor=staff.actor, reason=reason,
                                  source_ip=source_ip)
        self.kick()
        return doc

    def revoke(self, institution: Bank, staff: BranchStaff, site_user_id: int,
               reason: str, *, source_ip: str | None = None) -> TokenDocument:
        """Raises StaffNotPermitted (a clerk), ReasonRequired, UserNotFound,
        TokenNotFound. The user's sessions end."""
        rights.ensure_staff_may(staff, StaffAction.REVOKE)
        reason = people.reason(reason)
        user = self.users.user(institution, site_user_id)
        doc = self.tokens.revoke(institution, user.user_id, actor=staff.actor, reason=reason,
                                 source_ip=source_ip)
        self.sessions.end_all_of(user)
        self.kick()
        return doc

    def reset_issuance(self, institution: Bank, staff: BranchStaff, site_user_id: int,
                       reason: str, *, source_ip: str | None = None) -> TokenDocument:
        """An issued or set-up-but-unconfirmed token ends now, so the user issues afresh
        (forgotten activation password, lost mail). Raises ReasonRequired, UserNotFound,
        NoIssuanceToReset, StaffNotPermitted."""
        rights.ensure_staff_may(staff, StaffAction.RESET_ISSUANCE)
        reason = people.reason(reason)
        user = self.users.user(institution, site_user_id)
        try:
            # The OTP service audits it (issuance_expired, reason branch_reset).
            return self.tokens.void_issuance(institution, user.user_id, actor=staff.actor,
                                             reason=reason, source_ip=source_ip)
        except NoIssuance:
            raise NoIssuanceToReset("no issuance is waiting for setup") from None
