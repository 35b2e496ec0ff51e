"""`LocalOtp`: the OTP service's TokenService in this process, behind OtpService."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from onetime.banking.domain.otp import InstitutionProfile
from onetime.banking.service.context import Context
from onetime.banking.service.services import SiteServices
from onetime.banking.service.sessions import IDLE, SessionService
from onetime.domain.documents import ConfirmationDocument
from onetime.service.services import Services


class LocalOtp:
    """OtpService over the in-process use cases; the institution's own profile too."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.tokens = services.tokens

    def _inst(self, service_id: str):
        return self.services.institutions.get(service_id)

    def profile(self, service_id: str) -> InstitutionProfile:
        """Raises UnknownInstitution."""
        inst = self._inst(service_id)
        return InstitutionProfile(inst.name, inst.mail_sender, inst.settings)

    def institution_id(self, service_id: str) -> int:
        """The institution's ID in the shared database (a bank keeps it; see BankService)."""
        return self._inst(service_id).id

    def get_token(self, service_id, user_id):
        return self.tokens.get_token(self._inst(service_id), user_id)

    def issue_token(self, service_id, user_id, email, activation_password, *, actor=None,
                    source_ip=None):
        return self.tokens.issue_token(
            self._inst(service_id), user_id, email, activation_password, actor=actor,
            source_ip=source_ip)

    def confirm(self, service_id, user_id, code, *, source_ip=None):
        return self.tokens.confirm(self._inst(service_id), user_id, code, source_ip=source_ip)

    def verify(self, service_id, user_id, code, operation, *, source_ip=None):
        return self.tokens.verify(self._inst(service_id), user_id, code, operation,
                                  source_ip=source_ip)

    def release(self, service_id, user_id, *, actor, reason, source_ip=None):
        return self.tokens.release(self._inst(service_id), user_id, actor=actor,
                                   reason=reason, source_ip=source_ip)

    def revoke(self, service_id, user_id, *, actor, reason, source_ip=None):
        return self.tokens.revoke(self._inst(service_id), user_id, actor=actor,
                                  reason=reason, source_ip=source_ip)

    def void_issuance(self, service_id, user_id, *, actor, reason, source_ip=None):
        return self.tokens.void_issuance(
            self._inst(service_id), user_id, actor=actor, reason=reason, source_ip=source_ip)

    def request_confirmation(self, service_id, user_id, details, *, actor=None,
                             source_ip=None):
        return ConfirmationDocument.of(self.services.confirmations.create(
            self._inst(service_id), user_id, details.to_mapping(), actor=actor,
            source_ip=source_ip))

    def confirmation(self, service_id, user_id, request_id):
        return ConfirmationDocument.of(self.services.confirmations.get(
            self._inst(service_id), user_id, request_id))

    def execute_confirmation(self, service_id, user_id, request_id, details, *, actor=None,
                             source_ip=None):
        return ConfirmationDocument.of(self.services.confirmations.execute(
            self._inst(service_id), user_id, request_id, details.to_mapping(), actor=actor,
            source_ip=source_ip))

    def verify_ocra(self, service_id, user_id, challenge, response, *, source_ip=None):
        return self.services.confirmations.verify_ocra(
            self._inst(service_id), user_id, challenge, response, source_ip=source_ip)


def local_site(services: Services, *, kdf_profile: str = "production",
               kick: Callable[[], None] | None = None,
               idle: timedelta = IDLE) -> SiteServices:
    """The site over the OTP service of this process: one database, one audit trail
    (the site's events are chained with the service's), one clock."""
    otp = LocalOtp(services)
    ctx = Context(db=services.ctx.db, clock=services.ctx.clock, keyring=services.ctx.keyring,
                  audit=services.ctx.audit, otp=otp)
    return SiteServices.build(ctx, profiles=otp, kdf_profile=kdf_profile, kick=kick,
                              sessions=SessionService(ctx, idle=idle))
