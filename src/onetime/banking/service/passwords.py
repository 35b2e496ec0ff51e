"""パスワード変更: a user replaces their login and confirmation passwords.

After an initial password (`must_change_password`) every page leads here (web/deps.py);
the new passwords follow people.py's policy and differ from the current ones. The
current login password is checked under the confirmation throttle, like a step-up.
"""

from __future__ import annotations

import hmac

from onetime.banking.domain import people
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import (
    ConfirmationThrottled,
    PasswordReused,
    PasswordsDiffer,
    UserNotFound,
    WrongCurrentPassword,
)
from onetime.banking.domain.people import SiteUser
from onetime.banking.domain.throttle import CONFIRMATION
from onetime.banking.service.context import Context
from onetime.banking.service.throttling import Throttle, throttle_key
from onetime.crypto import PasswordHasher


class PasswordService:
    def __init__(self, ctx: Context, hasher: PasswordHasher, throttle: Throttle) -> None:
        self.ctx, self.hasher, self.throttle = ctx, hasher, throttle
        self.repo = ctx.people

    def change(self, institution: Bank, user: SiteUser, *, current: str, login: str,
               login_again: str, confirmation: str, confirmation_again: str,
               source_ip: str | None = None) -> SiteUser:
        """Replace both passwords; the user no longer must change them.

        Raises WeakPassword, PasswordsDiffer (before anything is checked or counted),
        ConfirmationThrottled, WrongCurrentPassword, PasswordReused.
        """
        for new, again in ((login, login_again), (confirmation, confirmation_again)):
            people.password(new)
            if not hmac.compare_digest(new.encode(), (again or "").encode()):
                raise PasswordsDiffer("the two new passwords differ")
        key = throttle_key("password-change", institution.id, str(user.id))
        with self.ctx.db.write() as conn:
            if not self.throttle.reserve(conn, ((key, CONFIRMATION),)):
                raise ConfirmationThrottled("too many wrong passwords; wait")
        with self.ctx.db.read() as conn:
            found = self.repo.user_with_login_hash(conn, institution.id, user.login_id)
            confirmation_hash = self.repo.confirmation_hash(conn, user.id)
        if found is None or confirmation_hash is None:
            raise UserNotFound("no such user")
        login_hash = found[1]
        ok = self.hasher.verify(login_hash, current or "")
        now = self.ctx.clock.now()
        if not ok:
            with self.ctx.db.write() as conn:
                self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                      event="password_change_failed", user_id=user.user_id,
                                      actor=user.actor, result="rejected", source_ip=source_ip)
            raise WrongCurrentPassword("the current password is incorrect")
        if self.hasher.verify(login_hash, login) or \
                self.hasher.verify(confirmation_hash, confirmation):
            raise PasswordReused("the new passwords must differ from the current ones")
        with self.ctx.db.write() as conn:
            self.throttle.clear(conn, key)
            self.repo.set_passwords(conn, user.id, login_hash=self.hasher.hash(login),
                                    confirmation_hash=self.hasher.hash(confirmation),
                                    must_change_password=False)
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="password_changed", user_id=user.user_id,
                                  actor=user.actor, result="accepted", source_ip=source_ip)
            changed = self.repo.user(conn, institution.id, user.id)
        assert changed is not None
        return changed
