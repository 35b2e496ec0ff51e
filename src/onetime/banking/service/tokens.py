"""The OTP service's token operations for one bank (the door of banking/otp/)."""

from __future__ import annotations

from onetime.banking.domain.banks import Bank
from onetime.banking.otp import OtpService
from onetime.domain.documents import TokenDocument, Verification


class Tokens:
    """OtpService with the bank in place of its service ID; errors pass through."""

    def __init__(self, otp: OtpService) -> None:
        self.otp = otp

    def get_token(self, bank: Bank, user_id: str) -> TokenDocument:
        return self.otp.get_token(bank.service_id, user_id)

    def issue_token(self, bank: Bank, user_id: str, email: str, activation_password: str,
                    *, actor: str | None = None, source_ip: str | None = None) -> TokenDocument:
        return self.otp.issue_token(bank.service_id, user_id, email, activation_password,
                                    actor=actor, source_ip=source_ip)

    def confirm(self, bank: Bank, user_id: str, code: str, *,
                source_ip: str | None = None) -> Verification:
        return self.otp.confirm(bank.service_id, user_id, code, source_ip=source_ip)

    def verify(self, bank: Bank, user_id: str, code: str, operation: str, *,
               source_ip: str | None = None) -> Verification:
        return self.otp.verify(bank.service_id, user_id, code, operation,
                               source_ip=source_ip)

    def release(self, bank: Bank, user_id: str, *, actor: str, reason: str,
                source_ip: str | None = None) -> TokenDocument:
        return self.otp.release(bank.service_id, user_id, actor=actor, reason=reason,
                                source_ip=source_ip)

    def revoke(self, bank: Bank, user_id: str, *, actor: str, reason: str,
               source_ip: str | None = None) -> TokenDocument:
        return self.otp.revoke(bank.service_id, user_id, actor=actor, reason=reason,
                               source_ip=source_ip)

    def void_issuance(self, bank: Bank, user_id: str, *, actor: str, reason: str,
                      source_ip: str | None = None) -> TokenDocument:
        return self.otp.void_issuance(bank.service_id, user_id, actor=actor, reason=reason,
                                      source_ip=source_ip)
