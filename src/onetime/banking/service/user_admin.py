"""管理 → 利用者管理: 利用者登録, 利用者情報変更, 利用者削除 by a master or admin user.

Who may change or delete whom is banking/domain/rights.py's; each action checks the
input, then the step-up for user management (rule 3), then writes with its audit entry.
Deleting a user revokes their token at the OTP service and ends their sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from onetime.banking.domain import rights
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import NoUserSelected, UserNotFound
from onetime.banking.domain.people import Role, SiteUser, ensure_manages_users
from onetime.banking.domain.rights import Rights
from onetime.banking.service.onboarding import Created, OnboardingService, UserRequest
from onetime.banking.service.sessions import SessionService
from onetime.banking.service.stepup import StepUpService
from onetime.banking.service.tokens import Tokens
from onetime.banking.service.users import Standing
from onetime.domain.errors import TokenNotFound
from onetime.domain.tokens import REVOCABLE
from onetime.domain.values import Operation

DELETE_REASON = "利用者管理: 利用者削除"


@dataclass(frozen=True)
class UserForm:
    """What 利用者登録 and 利用者情報変更 post, as typed."""

    name: object
    role: object
    operations: Sequence[object]
    approver: object
    limit_per_transfer: object = ""
    limit_per_day: object = ""
    login_id: object = ""  # 利用者登録 only


class UserAdminService:
    def __init__(self, onboarding: OnboardingService, stepup: StepUpService, tokens: Tokens,
                 sessions: SessionService) -> None:
        self.onboarding, self.stepup, self.tokens = onboarding, stepup, tokens
        self.sessions = sessions
        self.ctx = onboarding.ctx
        self.repo = self.ctx.people

    def target(self, actor: Standing, target_id: int | None) -> SiteUser:
        """A user of the actor's contract. Raises NotPermitted, NoUserSelected, UserNotFound."""
        ensure_manages_users(actor.user)
        if target_id is None:
            raise NoUserSelected("select a user")
        for user in actor.colleagues:
            if user.id == target_id:
                return user
        raise UserNotFound("no such user under this contract")

    def add(self, institution: Bank, actor: Standing, form: UserForm,
            confirmation_password: str, code: str | None, *,
            source_ip: str | None = None) -> Created:
        """利用者登録: an admin or general user with an initial password (shown once).

        Raises NotPermitted, the input's errors (before the step-up: no code is used up
        for a typo), the step-up's errors, LoginIdTaken.
        """
        ensure_manages_users(actor.user)
        request = UserRequest(
            contract_number=actor.contract.number, login_id=form.login_id, name=form.name,
            role=form.role, operations=list(form.operations), approver=form.approver,
            limit_per_transfer=form.limit_per_transfer, limit_per_day=form.limit_per_day)
        return self.onboarding.add_user(
            institution, request, actor=actor.user.actor, source_ip=source_ip,
            before_write=lambda: self._step_up(institution, actor, confirmation_password,
                                               code, source_ip))

    def change(self, institution: Bank, actor: Standing, target_id: int | None,
               form: UserForm, confirmation_password: str, code: str | None, *,
               source_ip: str | None = None) -> SiteUser:
        """利用者情報変更: name, role, rights and limits.

        Raises NotPermitted, NoUserSelected, UserNotFound, the input's errors,
        MasterNotChangeable, SelfRoleChangeNotPermitted, the step-up's errors.
        """
        target = self.target(actor, target_id)
        name = rights.name(form.name)
        # The master stays the master (only the branch's contract goes with them).
        role = target.role if target.role == Role.MASTER else rights.managed_role(form.role)
        granted = Rights(role, rights.operations(form.operations), rights.approver(form.approver),
                         *rights.limits(form.limit_per_transfer, form.limit_per_day,
                                        actor.contract))
        rights.ensure_may_change(actor.user, target, granted)
        self._step_up(institution, actor, confirmation_password, code, source_ip)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if not self.repo.change_user(conn, target.id, name, granted):
                raise UserNotFound("the user was deleted meanwhile")
            self.ctx.audit.append(
                conn, at=now, institution_id=institution.id, event="user_changed",
                user_id=target.user_id, actor=actor.user.actor, source_ip=source_ip,
                detail={"name_changed": name != target.name, "role": granted.role.value,
                        "operations": sorted(o.value for o in granted.operations),
                        "approver": granted.approver,
                        "limit_per_transfer": granted.limit_per_transfer,
                        "limit_per_day": granted.limit_per_day})
            changed = self.repo.user(conn, institution.id, target.id)
        assert changed is not None
        return changed

    def delete(self, institution: Bank, actor: Standing, target_id: int | None,
               confirmation_password: str, code: str | None, *,
               source_ip: str | None = None) -> SiteUser:
        """利用者削除: the user's token is revoked, their sessions end, the user is gone.

        Raises NotPermitted, NoUserSelected, UserNotFound, SelfDeletionNotPermitted,
        MasterNotChangeable, the step-up's errors.
        """
        target = self.target(actor, target_id)
        rights.ensure_may_delete(actor.user, target)
        self._step_up(institution, actor, confirmation_password, code, source_ip)
        if self.tokens.get_token(institution, target.user_id).state in REVOCABLE:
            # Ended meanwhile: nothing left to revoke. The OTP service audits a revocation.
            with suppress(TokenNotFound):
                self.tokens.revoke(institution, target.user_id, actor=actor.user.actor,
                                   reason=DELETE_REASON, source_ip=source_ip)
        self.sessions.end_all_of(target)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if not self.repo.delete_user(conn, target.id):
                raise UserNotFound("the user was deleted meanwhile")
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="user_deleted", user_id=target.user_id,
                                  actor=actor.user.actor, source_ip=source_ip,
                                  detail={"login_id": target.login_id})
        self.stepup.kick()
        return target

    def _step_up(self, institution: Bank, actor: Standing, confirmation_password: str,
                 code: str | None, source_ip: str | None) -> None:
        self.stepup.check(institution, actor.user, actor.contract, Operation.USER_MANAGEMENT,
                          confirmation_password, code, source_ip=source_ip)
