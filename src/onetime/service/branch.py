"""The branch console (店舗窓口): what staff do for customers, each with a reason, audited.

認証開始申込 (rule 4), releasing a suspension when the contract has no admin user
(rule 8), revoking a token for a master user who changed phones (rule 9), and
resetting an issuance that is stuck waiting for setup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from onetime.crypto import PasswordHasher
from onetime.domain import people
from onetime.domain.institutions import Institution
from onetime.domain.people import BranchStaff, Contract, SiteUser
from onetime.domain.site_errors import (
    LoginIdTaken,
    NoIssuanceToReset,
    OtpAlreadyEnabled,
    UnknownStaff,
)
from onetime.service.context import Context
from onetime.service.login import STAFF, LoginService
from onetime.service.site_users import SiteUserService
from onetime.service.tokens import TokenDocument, TokenService
from onetime.service.web_sessions import SessionService
from onetime.storage.people import PeopleRepository


@dataclass(frozen=True)
class ContractView:
    contract: Contract
    users: list[tuple[SiteUser, TokenDocument]]


@dataclass(frozen=True)
class SearchResult:
    contracts: list[Contract]
    users: list[SiteUser]


class BranchService:
    def __init__(self, ctx: Context, users: SiteUserService, tokens: TokenService,
                 hasher: PasswordHasher, login: LoginService, kick: Callable[[], None],
                 sessions: SessionService) -> None:
        self.ctx, self.users, self.tokens = ctx, users, tokens
        self.hasher, self.login, self.kick, self.sessions = hasher, login, kick, sessions
        self.repo = PeopleRepository()

    def add_staff(self, institution: Institution, staff_id: str, name: str,
                  password: str) -> BranchStaff:
        staff_id = people.login_id(staff_id)
        people.password(password)
        password_hash = self.hasher.hash(password)
        try:
            with self.ctx.db.write() as conn:
                pk = self.repo.add_staff(conn, institution.id, staff_id, name, password_hash,
                                         self.ctx.clock.now())
                staff = self.repo.staff(conn, institution.id, pk)
        except IntegrityError:
            raise LoginIdTaken("staff ID already in use") from None
        assert staff is not None
        return staff

    def authenticate(self, institution: Institution, staff_id: str, password: str, *,
                     source_ip: str | None = None) -> BranchStaff:
        """Raises LoginFailed or LoginThrottled, as for customers (service/login.py)."""
        return self.login.authenticate(STAFF, institution, staff_id, password,
                                       source_ip=source_ip)

    def staff(self, institution: Institution, staff_pk: int) -> BranchStaff:
        with self.ctx.db.read() as conn:
            staff = self.repo.staff(conn, institution.id, staff_pk)
        if staff is None:
            raise UnknownStaff("no such staff account")
        return staff

    # -- reading -----------------------------------------------------------------

    def search(self, institution: Institution, query: str) -> SearchResult:
        query = (query or "").strip()[:64]
        with self.ctx.db.read() as conn:
            return SearchResult(self.repo.search_contracts(conn, institution.id, query),
                                self.repo.search_users(conn, institution.id, query))

    def contract_view(self, institution: Institution, contract_id: int) -> ContractView:
        contract = self.users.contract(institution, contract_id)
        with self.ctx.db.read() as conn:
            members = self.repo.users_of(conn, contract.id)
        return ContractView(contract, [(u, self.tokens.get_token(institution, u.user_id))
                                       for u in members])

    # -- acting ------------------------------------------------------------------

    def enable_otp(self, institution: Institution, staff: BranchStaff, contract_id: int,
                   reason: str, *, source_ip: str | None = None) -> Contract:
        """認証開始申込. Raises ReasonRequired, ContractNotFound, OtpAlreadyEnabled."""
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

    def release(self, institution: Institution, staff: BranchStaff, site_user_id: int,
                reason: str, *, source_ip: str | None = None) -> TokenDocument:
        """Raises ReasonRequired, UserNotFound, TokenNotSuspended."""
        reason = people.reason(reason)
        user = self.users.user(institution, site_user_id)
        doc = self.tokens.release(institution, user.user_id, actor=staff.actor, reason=reason,
                                  source_ip=source_ip)
        self.kick()
        return doc

    def revoke(self, institution: Institution, staff: BranchStaff, site_user_id: int,
               reason: str, *, source_ip: str | None = None) -> TokenDocument:
        """Raises ReasonRequired, UserNotFound, TokenNotFound. The user's sessions end."""
        reason = people.reason(reason)
        user = self.users.user(institution, site_user_id)
        doc = self.tokens.revoke(institution, user.user_id, actor=staff.actor, reason=reason,
                                 source_ip=source_ip)
        self.sessions.end_all_of(user)
        self.kick()
        return doc

    def reset_issuance(self, institution: Institution, staff: BranchStaff, site_user_id: int,
                       reason: str, *, source_ip: str | None = None) -> TokenDocument:
        """An issued or set-up-but-unconfirmed token ends now, so the user issues afresh
        (forgotten activation password, lost mail). Raises ReasonRequired, UserNotFound,
        NoIssuanceToReset."""
        reason = people.reason(reason)
        user = self.users.user(institution, site_user_id)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            serial = self.ctx.tokens.void_issuance(conn, institution.id, user.user_id)
            if serial is None:
                raise NoIssuanceToReset("no issuance is waiting for setup")
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="issuance_expired", user_id=user.user_id,
                                  actor=staff.actor, source_ip=source_ip,
                                  detail={"serial": serial, "reason": "branch_reset",
                                          "note": reason})
        return self.tokens.get_token(institution, user.user_id)

