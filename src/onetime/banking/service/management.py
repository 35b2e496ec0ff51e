"""管理 → 利用者管理: a master or admin user releases suspensions and revokes tokens.

Rules 8 and 9 are decided in domain/people.py; this module loads the people,
asks the rules, checks the step-up and calls the token service, which audits.
"""

from __future__ import annotations

from dataclasses import dataclass

from onetime.banking.domain import people
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import NoUserSelected, UserNotFound
from onetime.banking.domain.people import SiteUser
from onetime.banking.service.sessions import SessionService
from onetime.banking.service.stepup import StepUpService
from onetime.banking.service.tokens import Tokens
from onetime.banking.service.users import SiteUserService, Standing
from onetime.domain.documents import TokenDocument
from onetime.domain.errors import TokenNotFound
from onetime.domain.tokens import REVOCABLE, TokenState
from onetime.domain.values import Operation

RELEASE_REASON = "利用者管理: ワンタイムパスワードの利用停止解除"
REVOKE_REASON = "利用者管理: トークンの失効"


@dataclass(frozen=True)
class UserRow:
    """One line of the 利用停止解除一覧 or トークン失効 list."""

    user: SiteUser
    token: TokenDocument
    is_self: bool
    selectable: bool


@dataclass(frozen=True)
class Outcome:
    """What the result screen shows."""

    target: SiteUser
    token: TokenDocument


class ManagementService:
    def __init__(self, users: SiteUserService, tokens: Tokens,
                 stepup: StepUpService, sessions: SessionService) -> None:
        self.users, self.tokens, self.stepup, self.sessions = users, tokens, stepup, sessions

    def release_list(self, institution: Bank, actor: Standing) -> list[UserRow]:
        """Everyone under the contract; only the suspended ones the actor may release
        can be picked."""
        people.ensure_manages_users(actor.user)
        rows = []
        for user in actor.colleagues:
            token = self.tokens.get_token(institution, user.user_id)
            selectable = (token.state == TokenState.SUSPENDED
                          and people.may_release(actor.user, user, actor.colleagues))
            rows.append(UserRow(user, token, user.id == actor.user.id, selectable))
        return rows

    def revoke_list(self, institution: Bank, actor: Standing) -> list[UserRow]:
        """Everyone under the contract; the actor's own token is never offered."""
        people.ensure_manages_users(actor.user)
        rows = []
        for user in actor.colleagues:
            token = self.tokens.get_token(institution, user.user_id)
            selectable = token.state in REVOCABLE and people.may_revoke(actor.user, user)
            rows.append(UserRow(user, token, user.id == actor.user.id, selectable))
        return rows

    def revocation_target(self, institution: Bank, actor: Standing,
                          target_id: int | None) -> Outcome:
        """The user and token the トークン失効確認 page names, before anything is revoked.

        Raises NoUserSelected, UserNotFound, NotPermitted, SelfRevocationNotPermitted,
        TokenNotFound (nothing to revoke).
        """
        target = self._target(institution, actor, target_id)
        people.ensure_may_revoke(actor.user, target)
        token = self.tokens.get_token(institution, target.user_id)
        if token.state not in REVOCABLE:
            raise TokenNotFound("the user has no token to revoke")
        return Outcome(target, token)

    def release(self, institution: Bank, actor: Standing, target_id: int | None,
                confirmation_password: str, *, source_ip: str | None = None) -> Outcome:
        """Rule 8, with the manual's screen: pick a user, the confirmation password, 停止解除.

        Raises NoUserSelected, UserNotFound, NotPermitted, SelfRelease…, the step-up's
        errors, TokenNotSuspended.
        """
        target = self._target(institution, actor, target_id)
        people.ensure_may_release(actor.user, target, actor.colleagues)
        self.stepup.check_password(institution, actor.user, confirmation_password,
                                   operation=Operation.USER_MANAGEMENT, source_ip=source_ip)
        doc = self.tokens.release(institution, target.user_id, actor=actor.user.actor,
                                  reason=RELEASE_REASON, source_ip=source_ip)
        self.stepup.kick()
        return Outcome(target, doc)

    def revoke(self, institution: Bank, actor: Standing, target_id: int | None,
               confirmation_password: str, code: str | None, *,
               source_ip: str | None = None) -> Outcome:
        """Rule 9: the confirmation password and the actor's own code, then 失効.

        Raises NoUserSelected, UserNotFound, NotPermitted, SelfRevocationNotPermitted
        (checked before the step-up, so the actor's code is not used up), the step-up's
        errors, TokenNotFound. The result carries setup_available_at (rule 10). The
        target's sessions end.
        """
        target = self._target(institution, actor, target_id)
        people.ensure_may_revoke(actor.user, target)
        self.stepup.check(institution, actor.user, actor.contract, Operation.TOKEN_MANAGEMENT,
                          confirmation_password, code, source_ip=source_ip)
        doc = self.tokens.revoke(institution, target.user_id, actor=actor.user.actor,
                                 reason=REVOKE_REASON, source_ip=source_ip)
        self.sessions.end_all_of(target)  # issue 10.6: the old phone's holder is signed out
        self.stepup.kick()
        return Outcome(target, doc)

    def _target(self, institution: Bank, actor: Standing,
                target_id: int | None) -> SiteUser:
        if target_id is None:
            raise NoUserSelected("select a user")
        for user in actor.colleagues:
            if user.id == target_id:
                return user
        people.ensure_manages_users(actor.user)  # a general user: NotPermitted first
        raise UserNotFound("no such user under this contract")
