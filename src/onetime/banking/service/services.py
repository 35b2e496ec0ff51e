"""The banking site's use cases for one process, over one OtpService (banking/otp/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onetime.banking.otp import ProfileSource
from onetime.banking.service.approvals import ApprovalService
from onetime.banking.service.banks import BankService
from onetime.banking.service.batches import BatchService
from onetime.banking.service.branch import BranchService
from onetime.banking.service.bulk import BulkService
from onetime.banking.service.context import Context
from onetime.banking.service.login import LoginService
from onetime.banking.service.management import ManagementService
from onetime.banking.service.onboarding import OnboardingService
from onetime.banking.service.passwords import PasswordService
from onetime.banking.service.payeasy import PayeasyService
from onetime.banking.service.sessions import SessionService
from onetime.banking.service.stepup import StepUpService
from onetime.banking.service.throttling import Throttle
from onetime.banking.service.tokens import Tokens
from onetime.banking.service.transfers import TransferService
from onetime.banking.service.user_admin import UserAdminService
from onetime.banking.service.users import SiteUserService
from onetime.crypto import PasswordHasher


@dataclass
class SiteServices:
    ctx: Context
    institutions: BankService  # the banks this site serves
    tokens: Tokens
    users: SiteUserService
    stepup: StepUpService
    management: ManagementService
    transfers: TransferService
    payeasy: PayeasyService  # 税金・各種料金の払込み（ペイジー）
    batches: BatchService  # booking 総合振込 and 給与・賞与振込
    bulk: BulkService  # their screens' use cases: upload or entry, draft, step-up
    approvals: ApprovalService  # 承認: requests, 承認 / 差戻し / 取消, 承認履歴
    branch: BranchService
    sessions: SessionService
    kick: Callable[[], None]
    onboarding: OnboardingService
    user_admin: UserAdminService
    passwords: PasswordService

    @classmethod
    def build(cls, ctx: Context, *, profiles: ProfileSource | None = None,
              kdf_profile: str = "production", kick: Callable[[], None] | None = None,
              sessions: SessionService | None = None) -> SiteServices:
        """`profiles`: the institution's own profile when the OTP service is in this
        process (LocalOtp), else the banks table's. `kick` wakes the outbox after a
        commit that queued mail (a no-op when the OTP service is remote)."""
        kick = kick or (lambda: None)
        hasher = PasswordHasher("test" if kdf_profile == "test" else "production")
        sessions = sessions or SessionService(ctx)
        tokens = Tokens(ctx.otp)
        throttle = Throttle(ctx)
        login = LoginService(ctx, hasher, throttle)
        users = SiteUserService(ctx, tokens, hasher, login)
        stepup = StepUpService(ctx, tokens, hasher, throttle, kick, sessions)
        onboarding = OnboardingService(ctx, hasher)
        batches = BatchService(ctx)
        transfers = TransferService(ctx, stepup)
        bulk = BulkService(ctx, stepup, batches)
        return cls(
            ctx=ctx, institutions=BankService(ctx, profiles), tokens=tokens, users=users,
            stepup=stepup, management=ManagementService(users, tokens, stepup, sessions),
            transfers=transfers, batches=batches, bulk=bulk,
            approvals=ApprovalService(ctx, stepup, transfers, bulk),
            payeasy=PayeasyService(ctx, stepup),
            branch=BranchService(ctx, users, tokens, hasher, login, kick, sessions),
            sessions=sessions, kick=kick, onboarding=onboarding,
            user_admin=UserAdminService(onboarding, stepup, tokens, sessions),
            passwords=PasswordService(ctx, hasher, throttle))

