"""Onboarding: contracts with their master user, more users, branch staff — one at a time
or a file of many (the CLI, ご契約先登録, 行員登録 and 利用者登録 all come here).

Every request is checked first, all of a batch before anything is written; then one
transaction creates them all with their audit entries. So a file with one bad line
creates nothing, and the error names every bad line. Initial passwords are generated
(or given), hashed with argon2id and shown once: the user must change theirs at first
login (`must_change_password`); no password reaches the audit.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from onetime.banking.domain import people, rights, transfers
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import (
    AccountNotFound,
    AccountNumberTaken,
    BatchRefused,
    ContractNotFound,
    ContractNumberTaken,
    LoginIdTaken,
)
from onetime.banking.domain.people import BranchStaff, Role, StaffRole
from onetime.banking.domain.rights import Rights, StaffAction
from onetime.banking.service.context import Context
from onetime.banking.storage.database import Connection, DuplicateKey
from onetime.banking.storage.ledger import CUSTOMER, Account
from onetime.crypto import PasswordHasher, Secret
from onetime.domain import values
from onetime.domain.errors import OnetimeError
from onetime.domain.values import RULE_3_OPERATIONS

INITIAL_PASSWORD_LENGTH = 16
# No 0/O, 1/l/I: an initial password is read off a screen or a sheet of paper.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def initial_password() -> Secret:
    """A strong random password that meets the policy (letters and digits)."""
    while True:
        text = "".join(secrets.choice(_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH))
        if any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
            return Secret(text.encode())


@dataclass(frozen=True)
class ContractRequest:
    """ご契約先登録: the contract and its master user, as typed (checked by the service)."""

    number: object
    name: object
    master_login: object
    master_name: object
    limit_per_transfer: object = ""
    limit_per_day: object = ""
    password: Secret | None = None  # None: generated


@dataclass(frozen=True)
class UserRequest:
    """A user of an existing contract; `operations` None is all seven of rule 3."""

    contract_number: object
    login_id: object
    name: object
    role: object = Role.GENERAL.value
    operations: Sequence[object] | None = None
    approver: object = False
    limit_per_transfer: object = ""
    limit_per_day: object = ""
    password: Secret | None = None


@dataclass(frozen=True)
class StaffRequest:
    staff_id: object
    name: object
    role: object = StaffRole.CLERK.value
    password: Secret | None = None


@dataclass(frozen=True)
class Created:
    """One person created: who, and the initial password to hand over (shown once)."""

    kind: str  # "master", "user" or "staff"
    login_id: str
    name: str
    password: Secret
    contract_number: str | None = None


@dataclass
class _Plan:
    """Checked rows, ready to write; `problems` the bad ones with their line numbers."""

    writes: list[Callable[[Connection], Created]] = field(default_factory=list)
    problems: list[tuple[int, OnetimeError]] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def once(self, kind: str, key: str, error: OnetimeError) -> None:
        if (kind, key) in self.seen:
            raise error
        self.seen.add((kind, key))


class OnboardingService:
    def __init__(self, ctx: Context, hasher: PasswordHasher) -> None:
        self.ctx, self.hasher = ctx, hasher
        self.repo = ctx.people

    # -- one at a time ---------------------------------------------------------------

    def add_contract(self, institution: Bank, request: ContractRequest, *, actor: str,
                     source_ip: str | None = None,
                     by: BranchStaff | None = None) -> list[Created]:
        """The contract and its master user: [the master's Created]. `by`: the branch
        staff at the console (the CLI's operator is trusted by the shell).

        Raises StaffNotPermitted, InvalidContractNumber, InvalidName, InvalidLoginId,
        InvalidLimit, WeakPassword, ContractNumberTaken, LoginIdTaken.
        """
        if by is not None:
            rights.ensure_staff_may(by, StaffAction.ADD_CONTRACT)
        return self._single(self.add_contracts, institution, request, actor, source_ip)

    def add_user(self, institution: Bank, request: UserRequest, *, actor: str,
                 source_ip: str | None = None,
                 before_write: Callable[[], None] | None = None) -> Created:
        """Raises ContractNotFound, InvalidRole, InvalidOperations, the checks of names,
        login IDs, limits and passwords, LoginIdTaken; and what `before_write` raises
        (利用者登録's step-up, once the input is known to be good)."""
        return self._single(self.add_users, institution, request, actor, source_ip,
                            before_write=before_write)[0]

    def add_staff(self, institution: Bank, request: StaffRequest, *, actor: str,
                  source_ip: str | None = None, by: BranchStaff | None = None) -> Created:
        """行員登録. Raises StaffNotPermitted (`by` a clerk), InvalidRole, InvalidName,
        InvalidLoginId, WeakPassword, LoginIdTaken."""
        if by is not None:
            rights.ensure_staff_may(by, StaffAction.ADD_STAFF)
        return self._single(self.add_staffs, institution, request, actor, source_ip)[0]

    def open_account(self, institution: Bank, contract_number: object, *,
                     bank_code: object = None, branch_code: object, account_type: object,
                     account_number: object, holder_name: object, opening_balance: object,
                     actor: str, source_ip: str | None = None,
                     by: BranchStaff | None = None) -> Account:
        """口座開設: an account of a contract with its first deposit (the branch's cash
        counter is outside the ledger: the sum of balances starts from here). `bank_code`
        None: the bank's own, as its clearing account carries it.

        Raises StaffNotPermitted, ContractNotFound, InvalidBankCode, InvalidBranchCode,
        InvalidAccountType, InvalidAccountNumber, InvalidHolderName, InvalidAmount,
        AccountNumberTaken.
        """
        if by is not None:
            rights.ensure_staff_may(by, StaffAction.OPEN_ACCOUNT)
        number = rights.contract_number(contract_number)
        if bank_code is None:
            with self.ctx.db.read() as conn:
                own = self.ctx.ledger.clearing(conn, institution.id)
            if own is None:
                raise AccountNotFound("the bank has no clearing account")
            bank_code = own.bank_code
        bank, branch = transfers.bank_code(bank_code), transfers.branch_code(branch_code)
        kind = transfers.account_type(account_type)
        account = transfers.account_number(account_number)
        holder = transfers.holder_name(holder_name)
        balance = transfers.amount(opening_balance, limit=10**12 - 1)
        with self.ctx.db.write() as conn:
            contract_id = self.repo.contract_id_by_number(conn, institution.id, number)
            if contract_id is None:
                raise ContractNotFound(f"no contract {number}")
            if self.ctx.ledger.find(conn, institution.id, bank, branch, kind,
                                    account) is not None:
                raise AccountNumberTaken("account number already in use")
            now = self.ctx.clock.now()
            account_id = self.ctx.ledger.add_account(
                conn, institution_id=institution.id, contract_id=contract_id, kind=CUSTOMER,
                bank_code=bank, branch_code=branch, account_type=kind, account_number=account,
                holder_name=holder, balance=balance, now=now)
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="account_opened", actor=actor, source_ip=source_ip,
                                  detail={"contract": number, "account_type": kind.value,
                                          "opening_balance": balance})
            return self.ctx.ledger.account(conn, account_id)

    @staticmethod
    def _single(batch, institution, request, actor, source_ip, **more):
        try:
            return batch(institution, [request], actor=actor, source_ip=source_ip, **more)
        except BatchRefused as refused:
            raise refused.problems[0][1] from None

    # -- many: all or nothing -----------------------------------------------------------

    def add_contracts(self, institution: Bank, requests: Sequence[ContractRequest], *,
                      actor: str, source_ip: str | None = None) -> list[Created]:
        """Raises BatchRefused (every bad line, numbered from 1) and creates nothing."""
        plan = _Plan()
        with self.ctx.db.read() as conn:
            for line, request in enumerate(requests, 1):
                self._check(plan, line, lambda r=request: self._plan_contract(
                    conn, plan, institution, r, actor, source_ip))
        return self._run(plan)

    def add_users(self, institution: Bank, requests: Sequence[UserRequest], *,
                  actor: str, source_ip: str | None = None,
                  before_write: Callable[[], None] | None = None) -> list[Created]:
        plan = _Plan()
        with self.ctx.db.read() as conn:
            for line, request in enumerate(requests, 1):
                self._check(plan, line, lambda r=request: self._plan_user(
                    conn, plan, institution, r, actor, source_ip))
        if before_write is not None and not plan.problems:
            before_write()
        return self._run(plan)

    def add_staffs(self, institution: Bank, requests: Sequence[StaffRequest], *,
                   actor: str, source_ip: str | None = None) -> list[Created]:
        plan = _Plan()
        with self.ctx.db.read() as conn:
            for line, request in enumerate(requests, 1):
                self._check(plan, line, lambda r=request: self._plan_staff(
                    conn, plan, institution, r, actor, source_ip))
        return self._run(plan)

    @staticmethod
    def _check(plan: _Plan, line: int, step: Callable[[], None]) -> None:
        try:
            step()
        except OnetimeError as exc:
            plan.problems.append((line, exc))

    def _run(self, plan: _Plan) -> list[Created]:
        if plan.problems:
            raise BatchRefused(plan.problems)
        try:
            with self.ctx.db.write() as conn:
                return [write(conn) for write in plan.writes]
        except DuplicateKey:
            # Taken between the check and the write (another process): nothing was made.
            raise LoginIdTaken("an ID was taken meanwhile; nothing was created") from None

    # -- checking one row -----------------------------------------------------------------

    def _plan_contract(self, conn: Connection, plan: _Plan, institution: Bank,
                       request: ContractRequest, actor: str, source_ip: str | None) -> None:
        number = rights.contract_number(request.number)
        name = rights.name(request.name)
        login_id = people.login_id(request.master_login)
        master_name = rights.name(request.master_name)
        one, day = rights.contract_limits(request.limit_per_transfer, request.limit_per_day)
        password = self._password(request.password)
        plan.once("contract", number, ContractNumberTaken("contract number twice in the file"))
        plan.once("login", login_id, LoginIdTaken("login ID twice in the file"))
        if self.repo.contract_id_by_number(conn, institution.id, number) is not None:
            raise ContractNumberTaken("contract number already in use")
        self._ensure_login_free(conn, institution, login_id)
        hashes = self._hashes(password)
        master = Rights(Role.MASTER, RULE_3_OPERATIONS, True, None, None)

        def write(w: Connection) -> Created:
            now = self.ctx.clock.now()
            contract_id = self.repo.add_contract(w, institution.id, number, name, now,
                                                 limit_per_transfer=one, limit_per_day=day)
            self._insert_user(w, institution, contract_id, login_id, master_name, master,
                              hashes, now)
            self.ctx.audit.append(w, at=now, institution_id=institution.id,
                                  event="contract_added", actor=actor, source_ip=source_ip,
                                  detail={"contract": number, "master": login_id})
            return Created("master", login_id, master_name, password, number)
        plan.writes.append(write)

    def _plan_user(self, conn: Connection, plan: _Plan, institution: Bank,
                   request: UserRequest, actor: str, source_ip: str | None) -> None:
        number = rights.contract_number(request.contract_number)
        contract_id = self.repo.contract_id_by_number(conn, institution.id, number)
        contract = (self.repo.contract(conn, institution.id, contract_id)
                    if contract_id is not None else None)
        if contract is None:
            raise ContractNotFound(f"no contract {number}")
        login_id = people.login_id(request.login_id)
        name = rights.name(request.name)
        granted = Rights(
            rights.managed_role(request.role),
            RULE_3_OPERATIONS if request.operations is None
            else rights.operations(request.operations),
            rights.approver(request.approver),
            *rights.limits(request.limit_per_transfer, request.limit_per_day, contract))
        password = self._password(request.password)
        plan.once("login", login_id, LoginIdTaken("login ID twice in the file"))
        self._ensure_login_free(conn, institution, login_id)
        hashes = self._hashes(password)

        def write(w: Connection) -> Created:
            now = self.ctx.clock.now()
            self._insert_user(w, institution, contract.id, login_id, name, granted, hashes,
                              now)
            self.ctx.audit.append(w, at=now, institution_id=institution.id,
                                  event="user_added", user_id=values.user_id(login_id),
                                  actor=actor, source_ip=source_ip,
                                  detail=_rights_detail(number, granted))
            return Created("user", login_id, name, password, number)
        plan.writes.append(write)

    def _plan_staff(self, conn: Connection, plan: _Plan, institution: Bank,
                    request: StaffRequest, actor: str, source_ip: str | None) -> None:
        staff_id = people.login_id(request.staff_id)
        name = rights.name(request.name)
        role = rights.staff_role(request.role)
        password = self._password(request.password)
        plan.once("staff", staff_id, LoginIdTaken("staff ID twice in the file"))
        if self.repo.staff_id_taken(conn, institution.id, staff_id):
            raise LoginIdTaken("staff ID already in use")
        password_hash = self.hasher.hash(password)

        def write(w: Connection) -> Created:
            now = self.ctx.clock.now()
            self.repo.add_staff(w, institution.id, staff_id, name, password_hash, now, role)
            self.ctx.audit.append(w, at=now, institution_id=institution.id,
                                  event="staff_added", actor=actor, source_ip=source_ip,
                                  detail={"staff": staff_id, "role": role.value})
            return Created("staff", staff_id, name, password)
        plan.writes.append(write)

    # -- shared -------------------------------------------------------------------------

    def _ensure_login_free(self, conn: Connection, institution: Bank, login_id: str) -> None:
        if self.repo.login_id_taken(conn, institution.id, login_id, values.user_id(login_id)):
            raise LoginIdTaken("login ID already in use")

    @staticmethod
    def _password(given: Secret | None) -> Secret:
        if given is None:
            return initial_password()
        people.password(given.reveal_text())
        return given

    def _hashes(self, password: Secret) -> tuple[str, str]:
        # The confirmation password is random and never shown: the user sets their own
        # on パスワード変更, which the initial password leads to.
        return self.hasher.hash(password), self.hasher.hash(initial_password())

    def _insert_user(self, conn: Connection, institution: Bank, contract_id: int,
                     login_id: str, name: str, granted: Rights, hashes: tuple[str, str],
                     now) -> None:
        self.repo.add_user(conn, institution_id=institution.id, contract_id=contract_id,
                           login_id=login_id, user_id=values.user_id(login_id), name=name,
                           role=granted.role, login_hash=hashes[0],
                           confirmation_hash=hashes[1], now=now, rights=granted,
                           must_change_password=True)


def _rights_detail(contract_number: str, granted: Rights) -> dict:
    """What the audit records of a user's rights (never a password)."""
    return {"contract": contract_number, "role": granted.role.value,
            "operations": sorted(o.value for o in granted.operations),
            "approver": granted.approver, "limit_per_transfer": granted.limit_per_transfer,
            "limit_per_day": granted.limit_per_day}
