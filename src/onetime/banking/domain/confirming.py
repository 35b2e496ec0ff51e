"""取引確認 on the site: which operations the user confirms in the token app, and how.

The institution's `transaction_confirmation` setting offers the kinds (domain/settings.py);
this module says which of them an operation asks for. Only a contract whose OTP the branch
has enabled (rule 4) has a token to confirm with. Online 取引確認 covers every confirmable
operation (one payee and amount, or a batch's count and total); offline OCRA's challenge is
the payee's account number, so only an operation with one payee has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from onetime.domain.confirmations import CONFIRMABLE
from onetime.domain.settings import InstitutionSettings
from onetime.domain.values import Operation


@dataclass(frozen=True)
class ConfirmationModes:
    """How the user confirms one operation: in the app online, with an OCRA code, or not."""

    online: bool = False
    offline: bool = False

    @property
    def needed(self) -> bool:
        return self.online or self.offline


NONE = ConfirmationModes()


def modes(operation: Operation, settings: InstitutionSettings, *, otp_enabled: bool,
          one_payee: bool | None = None) -> ConfirmationModes:
    """What 取引確認 `operation` asks for. `one_payee` (default: a one-off transfer) says
    whether it has the single payee account number that OCRA takes as its challenge."""
    if not otp_enabled or operation not in CONFIRMABLE:
        return NONE
    if one_payee is None:
        one_payee = operation == Operation.TRANSFER
    return ConfirmationModes(online=settings.online_confirmation,
                             offline=settings.offline_confirmation and one_payee)
