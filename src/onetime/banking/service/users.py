"""Contracts and their users: creating them, signing in, reading what the screens show."""

from __future__ import annotations

from dataclasses import dataclass

from onetime.banking.domain import people
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import (
    ContractNotFound,
    LoginIdTaken,
    UserNotFound,
)
from onetime.banking.domain.people import Contract, Role, SiteUser, SuspensionAdvice
from onetime.banking.service.context import Context
from onetime.banking.service.login import CUSTOMERS, LoginService
from onetime.banking.service.tokens import Tokens
from onetime.banking.storage.database import DuplicateKey
from onetime.crypto import PasswordHasher
from onetime.domain import values
from onetime.domain.documents import TokenDocument
from onetime.domain.tokens import TokenState


@dataclass(frozen=True)
class Standing:
    """A signed-in user as the screens need them: contract, token and what comes next."""

    user: SiteUser
    contract: Contract
    token: TokenDocument
    colleagues: tuple[SiteUser, ...]

    @property
    def needs_issuance(self) -> bool:
        """Rule 4-5: with OTP enabled, a user without a working token goes to トークン発行."""
        return self.contract.otp_enabled and self.token.state not in (
            TokenState.ACTIVE, TokenState.SUSPENDED)

    @property
    def suspended(self) -> bool:
        return self.token.state == TokenState.SUSPENDED

    @property
    def advice(self) -> SuspensionAdvice:
        return people.suspension_advice(self.user, self.colleagues)


class SiteUserService:
    def __init__(self, ctx: Context, tokens: Tokens, hasher: PasswordHasher,
                 login: LoginService) -> None:
        self.ctx, self.tokens, self.hasher, self.login = ctx, tokens, hasher, login
        self.repo = ctx.people

    # -- setting up the world (branch onboarding, demo seed, tests) ---------------

    def add_contract(self, institution: Bank, number: str, name: str) -> Contract:
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            contract_id = self.repo.add_contract(conn, institution.id, number, name, now)
            contract = self.repo.contract(conn, institution.id, contract_id)
        assert contract is not None
        return contract

    def add_user(self, institution: Bank, contract: Contract, *, login_id: str,
                 name: str, role: Role, login_password: str, confirmation_password: str,
                 user_id: str | None = None) -> SiteUser:
        """Raises MasterExists, LoginIdTaken, InvalidLoginId, InvalidUserId, WeakPassword."""
        login_id = people.login_id(login_id)
        user_id = values.user_id(user_id or login_id)
        people.password(login_password)
        people.password(confirmation_password)
        login_hash = self.hasher.hash(login_password)
        confirmation_hash = self.hasher.hash(confirmation_password)
        now = self.ctx.clock.now()
        try:
            with self.ctx.db.write() as conn:
                people.ensure_one_master(self.repo.users_of(conn, contract.id), role)
                site_user_id = self.repo.add_user(
                    conn, institution_id=institution.id, contract_id=contract.id,
                    login_id=login_id, user_id=user_id, name=name, role=role,
                    login_hash=login_hash, confirmation_hash=confirmation_hash, now=now)
                user = self.repo.user(conn, institution.id, site_user_id)
        except DuplicateKey:
            # The partial unique index also refuses a concurrent second master.
            with self.ctx.db.read() as conn:
                people.ensure_one_master(self.repo.users_of(conn, contract.id), role)
            raise LoginIdTaken("login ID or user ID already in use") from None
        assert user is not None
        return user

    # -- signing in --------------------------------------------------------------

    def authenticate(self, institution: Bank, login_id: str, password: str, *,
                     source_ip: str | None = None) -> SiteUser:
        """The user whose login ID and password these are (service/login.py).

        Raises LoginFailed (unknown ID or wrong password alike) or LoginThrottled.
        """
        return self.login.authenticate(CUSTOMERS, institution, login_id, password,
                                       source_ip=source_ip)

    # -- reading -----------------------------------------------------------------

    def user(self, institution: Bank, site_user_id: int) -> SiteUser:
        with self.ctx.db.read() as conn:
            user = self.repo.user(conn, institution.id, site_user_id)
        if user is None:
            raise UserNotFound("no such user")
        return user

    def contract(self, institution: Bank, contract_id: int) -> Contract:
        with self.ctx.db.read() as conn:
            contract = self.repo.contract(conn, institution.id, contract_id)
        if contract is None:
            raise ContractNotFound("no such contract")
        return contract

    def colleagues(self, user: SiteUser) -> list[SiteUser]:
        """Everyone under the user's contract, the user included."""
        with self.ctx.db.read() as conn:
            return self.repo.users_of(conn, user.contract_id)

    def standing(self, institution: Bank, site_user_id: int) -> Standing:
        user = self.user(institution, site_user_id)
        with self.ctx.db.read() as conn:
            contract = self.repo.contract(conn, institution.id, user.contract_id)
            colleagues = self.repo.users_of(conn, user.contract_id)
        if contract is None:
            raise ContractNotFound("no such contract")
        token = self.tokens.get_token(institution, user.user_id)
        return Standing(user, contract, token, tuple(colleagues))
