"""Contracts, site users and branch staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from onetime.banking.domain.people import BranchStaff, Contract, Role, SiteUser, StaffRole
from onetime.banking.domain.rights import Rights
from onetime.banking.storage.schema import branch_staff, contracts, site_users
from onetime.domain.values import Operation
from onetime.storage.conflicts import duplicate_key_as_conflict

SEARCH_LIMIT = 50


def _contract(row) -> Contract:
    m = row._mapping
    return Contract(id=m["id"], institution_id=m["institution_id"], number=m["number"],
                    name=m["name"], otp_enabled_at=m["otp_enabled_at"],
                    otp_enabled_by=m["otp_enabled_by"],
                    limit_per_transfer=m["limit_per_transfer"], limit_per_day=m["limit_per_day"])


def _user(row) -> SiteUser:
    m = row._mapping
    return SiteUser(id=m["id"], institution_id=m["institution_id"],
                    contract_id=m["contract_id"], login_id=m["login_id"], user_id=m["user_id"],
                    name=m["name"], role=Role(m["role"]),
                    operations=_operations(m["operations"]), approver=bool(m["approver"]),
                    limit_per_transfer=m["limit_per_transfer"], limit_per_day=m["limit_per_day"],
                    must_change_password=bool(m["must_change_password"]))


def _operations(text: str) -> frozenset[Operation]:
    return frozenset(Operation(v) for v in text.split(",") if v)


def _operations_text(chosen: frozenset[Operation]) -> str:
    # In Operation's order, so the column reads the same for the same rights.
    return ",".join(o.value for o in Operation if o in chosen)


def _staff(row) -> BranchStaff:
    m = row._mapping
    return BranchStaff(id=m["id"], institution_id=m["institution_id"], staff_id=m["staff_id"],
                       name=m["name"], role=StaffRole(m["role"]))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PeopleRepository:
    # -- contracts ---------------------------------------------------------------

    def add_contract(self, conn: Connection, institution_id: int, number: str, name: str,
                     now: datetime, *, limit_per_transfer: int | None = None,
                     limit_per_day: int | None = None) -> int:
        """Raises DuplicateKey if the contract number is taken. Limits left None take
        the table's defaults."""
        limits = {k: v for k, v in (("limit_per_transfer", limit_per_transfer),
                                    ("limit_per_day", limit_per_day)) if v is not None}
        with duplicate_key_as_conflict():
            return conn.execute(insert(contracts).values(
                institution_id=institution_id, number=number, name=name, created_at=now,
                **limits,
            ).returning(contracts.c.id)).scalar_one()

    def contract_id_by_number(self, conn: Connection, institution_id: int,
                              number: str) -> int | None:
        return conn.execute(select(contracts.c.id).where(
            contracts.c.institution_id == institution_id,
            contracts.c.number == number)).scalar()

    def contract(self, conn: Connection, institution_id: int, contract_id: int) -> Contract | None:
        row = conn.execute(select(contracts).where(
            contracts.c.institution_id == institution_id, contracts.c.id == contract_id)).first()
        return _contract(row) if row else None

    def search_contracts(self, conn: Connection, institution_id: int,
                         query: str) -> list[Contract]:
        q = select(contracts).where(contracts.c.institution_id == institution_id)
        if query:
            q = q.where(or_(contracts.c.number.like(_like(query), escape="\\"),
                            contracts.c.name.like(_like(query), escape="\\")))
        return [_contract(r) for r in conn.execute(q.order_by(contracts.c.number)
                                                   .limit(SEARCH_LIMIT))]

    def enable_otp(self, conn: Connection, contract_id: int, actor: str, now: datetime) -> bool:
        """認証開始申込: only once; a second request changes nothing and returns False."""
        return bool(conn.execute(update(contracts).where(
            contracts.c.id == contract_id, contracts.c.otp_enabled_at.is_(None),
        ).values(otp_enabled_at=now, otp_enabled_by=actor)).rowcount)

    # -- users -------------------------------------------------------------------

    def add_user(self, conn: Connection, *, institution_id: int, contract_id: int,
                 login_id: str, user_id: str, name: str, role: Role, login_hash: str,
                 confirmation_hash: str, now: datetime, rights: Rights | None = None,
                 must_change_password: bool = False) -> int:
        """Raises DuplicateKey if the login ID or user ID is taken, or (the partial unique
        index) the contract has its master user already. Without `rights`, every
        operation, 承認権限 and the contract's limits."""
        values = {"role": role.value, **(_rights_values(rights) if rights else {})}
        with duplicate_key_as_conflict():
            return conn.execute(insert(site_users).values(
                institution_id=institution_id, contract_id=contract_id, login_id=login_id,
                user_id=user_id, name=name, login_hash=login_hash,
                confirmation_hash=confirmation_hash, created_at=now,
                must_change_password=must_change_password, **values,
            ).returning(site_users.c.id)).scalar_one()

    def change_user(self, conn: Connection, site_user_id: int, name: str,
                    rights: Rights) -> bool:
        """利用者情報変更; whether the user was still there. The partial unique index
        refuses a second master (DuplicateKey)."""
        with duplicate_key_as_conflict():
            return bool(conn.execute(update(site_users).where(site_users.c.id == site_user_id)
                                     .values(name=name, **_rights_values(rights))).rowcount)

    def delete_user(self, conn: Connection, site_user_id: int) -> bool:
        """利用者削除; whether there was a user to delete."""
        return bool(conn.execute(delete(site_users)
                                 .where(site_users.c.id == site_user_id)).rowcount)

    def set_passwords(self, conn: Connection, site_user_id: int, *, login_hash: str,
                      confirmation_hash: str, must_change_password: bool) -> bool:
        return bool(conn.execute(update(site_users).where(site_users.c.id == site_user_id)
                                 .values(login_hash=login_hash,
                                         confirmation_hash=confirmation_hash,
                                         must_change_password=must_change_password)).rowcount)

    def lock_user(self, conn: Connection, site_user_id: int) -> None:
        """Hold the user's row to the end of the transaction (PostgreSQL; SQLite's write
        lock is the whole database): two transfers of one user check the day's total in
        turn, not side by side."""
        conn.execute(select(site_users.c.id).where(site_users.c.id == site_user_id)
                     .with_for_update())

    def user(self, conn: Connection, institution_id: int, site_user_id: int) -> SiteUser | None:
        row = conn.execute(select(site_users).where(
            site_users.c.institution_id == institution_id,
            site_users.c.id == site_user_id)).first()
        return _user(row) if row else None

    def user_with_login_hash(self, conn: Connection, institution_id: int,
                             login_id: str) -> tuple[SiteUser, str] | None:
        row = conn.execute(select(site_users).where(
            site_users.c.institution_id == institution_id,
            site_users.c.login_id == login_id)).first()
        return (_user(row), row._mapping["login_hash"]) if row else None

    def confirmation_hash(self, conn: Connection, site_user_id: int) -> str | None:
        return conn.execute(select(site_users.c.confirmation_hash)
                            .where(site_users.c.id == site_user_id)).scalar()

    def users_of(self, conn: Connection, contract_id: int) -> list[SiteUser]:
        # Master first, then admins, then general users: the order the screens list them.
        order = {Role.MASTER.value: 0, Role.ADMIN.value: 1, Role.GENERAL.value: 2}
        users = [_user(r) for r in conn.execute(
            select(site_users).where(site_users.c.contract_id == contract_id)
            .order_by(site_users.c.login_id))]
        return sorted(users, key=lambda u: order[u.role.value])

    def search_users(self, conn: Connection, institution_id: int, query: str) -> list[SiteUser]:
        q = select(site_users).where(site_users.c.institution_id == institution_id)
        if query:
            q = q.where(or_(site_users.c.login_id.like(_like(query), escape="\\"),
                            site_users.c.user_id.like(_like(query), escape="\\"),
                            site_users.c.name.like(_like(query), escape="\\")))
        return [_user(r) for r in conn.execute(q.order_by(site_users.c.login_id)
                                               .limit(SEARCH_LIMIT))]

    def count_users(self, conn: Connection, contract_id: int) -> int:
        return conn.execute(select(func.count()).select_from(site_users)
                            .where(site_users.c.contract_id == contract_id)).scalar_one()

    # -- branch staff ------------------------------------------------------------

    def add_staff(self, conn: Connection, institution_id: int, staff_id: str, name: str,
                  password_hash: str, now: datetime,
                  role: StaffRole = StaffRole.CLERK) -> int:
        """Raises DuplicateKey if the staff ID is taken."""
        with duplicate_key_as_conflict():
            return conn.execute(insert(branch_staff).values(
                institution_id=institution_id, staff_id=staff_id, name=name,
                password_hash=password_hash, role=role.value, created_at=now,
            ).returning(branch_staff.c.id)).scalar_one()

    def staff_id_taken(self, conn: Connection, institution_id: int, staff_id: str) -> bool:
        return conn.execute(select(branch_staff.c.id).where(
            branch_staff.c.institution_id == institution_id,
            branch_staff.c.staff_id == staff_id)).first() is not None

    def login_id_taken(self, conn: Connection, institution_id: int, login_id: str,
                       user_id: str) -> bool:
        return conn.execute(select(site_users.c.id).where(
            site_users.c.institution_id == institution_id,
            or_(site_users.c.login_id == login_id,
                site_users.c.user_id == user_id))).first() is not None

    def staff(self, conn: Connection, institution_id: int, staff_pk: int) -> BranchStaff | None:
        row = conn.execute(select(branch_staff).where(
            branch_staff.c.institution_id == institution_id,
            branch_staff.c.id == staff_pk)).first()
        return _staff(row) if row else None

    def staff_with_hash(self, conn: Connection, institution_id: int,
                        staff_id: str) -> tuple[BranchStaff, str] | None:
        row = conn.execute(select(branch_staff).where(
            branch_staff.c.institution_id == institution_id,
            branch_staff.c.staff_id == staff_id)).first()
        return (_staff(row), row._mapping["password_hash"]) if row else None


def _rights_values(rights: Rights) -> dict:
    return {"role": rights.role.value, "operations": _operations_text(rights.operations),
            "approver": rights.approver, "limit_per_transfer": rights.limit_per_transfer,
            "limit_per_day": rights.limit_per_day}
