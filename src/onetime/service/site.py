"""The banking site's use cases for one process, built on the OTP service's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onetime.crypto import PasswordHasher
from onetime.service.branch import BranchService
from onetime.service.context import Context
from onetime.service.institutions import InstitutionService
from onetime.service.login import LoginService
from onetime.service.management import ManagementService
from onetime.service.services import Services
from onetime.service.site_users import SiteUserService
from onetime.service.stepup import StepUpService
from onetime.service.throttling import Throttle
from onetime.service.tokens import TokenService
from onetime.service.transfers import TransferService
from onetime.service.web_sessions import SessionService


@dataclass
class SiteServices:
    ctx: Context
    institutions: InstitutionService
    tokens: TokenService
    users: SiteUserService
    stepup: StepUpService
    management: ManagementService
    transfers: TransferService
    branch: BranchService
    sessions: SessionService
    kick: Callable[[], None]

    @classmethod
    def build(cls, services: Services, *, kdf_profile: str = "production",
              kick: Callable[[], None] | None = None,
              sessions: SessionService | None = None) -> SiteServices:
        """`kick` wakes the outbox after a commit that queued mail."""
        ctx = services.ctx
        kick = kick or (lambda: None)
        hasher = PasswordHasher("test" if kdf_profile == "test" else "production")
        sessions = sessions or SessionService(ctx)
        throttle = Throttle(ctx)
        login = LoginService(ctx, hasher, throttle)
        users = SiteUserService(ctx, services.tokens, hasher, login)
        stepup = StepUpService(ctx, services.tokens, hasher, throttle, kick, sessions)
        return cls(
            ctx=ctx, institutions=services.institutions, tokens=services.tokens, users=users,
            stepup=stepup,
            management=ManagementService(users, services.tokens, stepup, sessions),
            transfers=TransferService(ctx, stepup),
            branch=BranchService(ctx, users, services.tokens, hasher, login, kick, sessions),
            sessions=sessions, kick=kick)
