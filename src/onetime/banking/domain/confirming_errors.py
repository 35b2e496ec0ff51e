"""Failures of 取引確認 on the site (docs/transaction-confirmation.md, "Site").

The user approves or refuses a transaction in the token app, online, or types the
confirmation code (OCRA) it shows, offline. The OTP service's own confirmation errors
(not found, expired, voided) are in onetime.domain.errors.
"""

from __future__ import annotations

from onetime.domain.errors import InvalidInput, OnetimeError


class ConfirmationWaiting(OnetimeError):
    """実行 pressed before the user approved the request in the token app."""

    code = "confirmation_waiting"
    title = "The transaction is not approved in the token app yet"


class ConfirmationRejected(OnetimeError):
    """The user pressed 否認 in the token app (or the request was voided): nothing books."""

    code = "confirmation_rejected"
    title = "The transaction was refused in the token app"


class OcraRejected(OnetimeError):
    """A wrong or reused offline confirmation code (OCRA); one failure counted."""

    code = "ocra_rejected"
    title = "The confirmation code is incorrect"

    def __init__(self, attempts_left: int | None) -> None:
        super().__init__(f"the confirmation code was rejected; {attempts_left} attempts left")
        self.attempts_left = attempts_left


class OcraRequired(InvalidInput):
    """Offline 取引確認 only, and no confirmation code typed."""

    code = "ocra_required"
    title = "Enter the confirmation code the token app shows"
