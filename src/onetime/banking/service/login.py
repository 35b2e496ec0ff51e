"""Signing in, for customer users and branch staff alike: throttle, decoy hash, audit.

An attempt is first reserved on two throttle keys, the login ID as typed and the
source address, in one transaction (service/throttling.py); only a reserved attempt
has its password checked. So with N attempts left, at most N passwords are ever
checked, however many requests arrive at once. Unknown IDs are reserved, checked
against a decoy hash and audited exactly like known ones: neither the answer nor its
cost tells whether an ID exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from onetime.banking.domain import people
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import LoginFailed, LoginThrottled
from onetime.banking.domain.people import BranchStaff, SiteUser
from onetime.banking.domain.throttle import LOGIN_PER_ADDRESS, LOGIN_PER_ID
from onetime.banking.service.context import Context
from onetime.banking.service.throttling import Throttle, throttle_key
from onetime.banking.storage.database import Connection
from onetime.banking.storage.people import PeopleRepository
from onetime.crypto import PasswordHasher
from onetime.domain.errors import InvalidInput

# A typed login ID longer than this is cut before it is hashed into a throttle key.
TYPED_ID_MAX = 64

P = TypeVar("P", SiteUser, BranchStaff)


def typed_login_id(value: str) -> str:
    """A login ID as typed, folded like stored ones, but never rejected: an odd ID is
    answered exactly like an unknown one."""
    try:
        return people.login_id(value)
    except InvalidInput:
        return (value or "").strip()[:TYPED_ID_MAX]


@dataclass(frozen=True)
class Door(Generic[P]):
    """Where people sign in: its throttle scope, its audit events, who may come in."""

    scope: str  # throttle keys: `scope` per login ID, `scope-address` per address
    event: str  # audited as `event`, `event_failed`, `event_throttled`
    # The repository method that finds the person and their password hash.
    find: Callable[[PeopleRepository, Connection, int, str], tuple[P, str] | None]
    user_id: Callable[[P], str | None]  # the OTP user ID the audit names, if any

    @property
    def address_scope(self) -> str:
        return f"{self.scope}-address"


CUSTOMERS: Door[SiteUser] = Door("login", "site_login", PeopleRepository.user_with_login_hash,
                                 lambda user: user.user_id)
STAFF: Door[BranchStaff] = Door("branch-login", "branch_login", PeopleRepository.staff_with_hash,
                                lambda _staff: None)


class LoginService:
    def __init__(self, ctx: Context, hasher: PasswordHasher, throttle: Throttle) -> None:
        self.ctx, self.hasher, self.throttle = ctx, hasher, throttle
        # Checked against when the login ID is unknown, so both paths cost one argon2id.
        self._decoy_hash = hasher.hash(secrets.token_urlsafe(16))

    def authenticate(self, door: Door[P], institution: Bank, login_id: str,
                     password: str, *, source_ip: str | None = None) -> P:
        """The person whose login ID and password these are.

        Raises LoginFailed (unknown ID or wrong password: the same answer, at the cost
        of one argon2id either way) or LoginThrottled (for known and unknown IDs alike,
        before any password is checked).
        """
        typed = typed_login_id(login_id)
        id_key = throttle_key(door.scope, institution.id, typed)
        address_key = throttle_key(door.address_scope, institution.id, source_ip or "-")
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            reserved = self.throttle.reserve(conn, ((id_key, LOGIN_PER_ID),
                                                    (address_key, LOGIN_PER_ADDRESS)))
            if not reserved:
                self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                      event=f"{door.event}_throttled", result="rejected",
                                      source_ip=source_ip)
        if not reserved:
            raise LoginThrottled("too many failed logins; try again later")
        with self.ctx.db.read() as conn:
            found = door.find(self.ctx.people, conn, institution.id, typed)
        ok = self.hasher.verify(found[1] if found else self._decoy_hash, password or "")
        with self.ctx.db.write() as conn:
            if found is not None and ok:
                # In the audit's transaction: attempts counted after it start afresh.
                self.throttle.clear(conn, id_key)
                self.throttle.refund(conn, address_key)  # many people share an address
                self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                      event=door.event, user_id=door.user_id(found[0]),
                                      actor=found[0].actor, result="accepted",
                                      source_ip=source_ip)
                return found[0]
            # The typed ID is not recorded: people type passwords into the ID field.
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event=f"{door.event}_failed",
                                  user_id=door.user_id(found[0]) if found else None,
                                  result="rejected", source_ip=source_ip)
        raise LoginFailed("login ID or password is incorrect")
