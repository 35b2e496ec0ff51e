"""The one door from the banking site to the OTP service: the operations of HTTP API v1.

`OtpService` is all the site's services know of the OTP service. Two implementations:
`local.LocalOtp` calls the service's TokenService in this process (`make run`,
`onetime serve --site`); `remote.RemoteOtp` calls /api/v1/services/{service_id}/… over
HTTP with the institution's API key. Both answer with the values of
banking/domain/otp.py and raise the same domain errors (onetime.domain.errors), so a
site cannot tell them apart.
"""

from __future__ import annotations

from typing import Protocol

from onetime.banking.domain.otp import InstitutionProfile
from onetime.domain.confirmations import TransactionDetails
from onetime.domain.documents import ConfirmationDocument, TokenDocument, Verification


class OtpService(Protocol):
    def get_token(self, service_id: str, user_id: str) -> TokenDocument:
        """GET …/users/{user_id}/token."""

    def issue_token(self, service_id: str, user_id: str, email: str,
                    activation_password: str, *, actor: str | None = None,
                    source_ip: str | None = None) -> TokenDocument:
        """POST …/token. Raises TokenExists, SetupEmbargoed, InvalidInput."""

    def confirm(self, service_id: str, user_id: str, code: str, *,
                source_ip: str | None = None) -> Verification:
        """POST …/token/confirmation. Raises InvalidCodeFormat."""

    def verify(self, service_id: str, user_id: str, code: str, operation: str, *,
               source_ip: str | None = None) -> Verification:
        """POST …/verifications. Raises InvalidCodeFormat, InvalidOperation."""

    def release(self, service_id: str, user_id: str, *, actor: str, reason: str,
                source_ip: str | None = None) -> TokenDocument:
        """POST …/token/release. Raises TokenNotSuspended."""

    def revoke(self, service_id: str, user_id: str, *, actor: str, reason: str,
               source_ip: str | None = None) -> TokenDocument:
        """POST …/token/revocation. Raises TokenNotFound."""

    def void_issuance(self, service_id: str, user_id: str, *, actor: str, reason: str,
                      source_ip: str | None = None) -> TokenDocument:
        """POST …/token/issuance-reset: an issuance waiting for setup ends now, with no
        embargo. Raises NoIssuance."""

    # -- 取引確認 (docs/transaction-confirmation.md) ----------------------------------

    def request_confirmation(self, service_id: str, user_id: str,
                             details: TransactionDetails, *, actor: str | None = None,
                             source_ip: str | None = None) -> ConfirmationDocument:
        """POST …/confirmations: the user's app is to confirm `details` within 5 minutes.
        Raises ConfirmationDisabled, ConfirmationTokenNotActive, InvalidConfirmation."""

    def confirmation(self, service_id: str, user_id: str,
                     request_id: str) -> ConfirmationDocument:
        """GET …/confirmations/{id}: pending, confirmed, rejected, expired, voided or
        executed. Raises ConfirmationNotFound."""

    def execute_confirmation(self, service_id: str, user_id: str, request_id: str,
                             details: TransactionDetails, *, actor: str | None = None,
                             source_ip: str | None = None) -> ConfirmationDocument:
        """POST …/confirmations/{id}/execution, just before booking: only a confirmed
        request with exactly these details, once. Raises ConfirmationVoided (the details
        changed: the request is void), ConfirmationNotPending, ConfirmationNotFound."""

    def verify_ocra(self, service_id: str, user_id: str, challenge: str, response: str, *,
                    source_ip: str | None = None) -> Verification:
        """POST …/ocra-verifications: the offline response to the payee's account number.
        Raises ConfirmationDisabled, InvalidConfirmation, InvalidCodeFormat."""


class ProfileSource(Protocol):
    def profile(self, service_id: str) -> InstitutionProfile | None:
        """The institution's profile, or None where this source has none. Raises
        UnknownInstitution when the source knows the institution does not exist."""
