"""Every failure the token app's caller must handle, each with a stable `code`.

`AppError` is never raised itself. The client raises the setup and network
cases, the vault the lock-code cases; the screens and the CLI turn each into a
message of the catalogue (`error.<code>` in the `app` domain, app/i18n.py).
"""

from __future__ import annotations

from datetime import datetime


class AppError(Exception):
    """Root of the app's errors; never raised itself."""

    code = "error"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.code)
        self.detail = detail or self.code


# -- setup and the service (client.py) -------------------------------------------


class ConfirmationClosed(AppError):
    """取引確認: the request was decided, expired or withdrawn before this decision."""

    code = "confirmation_closed"


class TokenRefused(AppError):
    """取引確認: the service did not accept this token (suspended, revoked, or the
    device clock is far off)."""

    code = "token_refused"


class InsecureServerUrl(AppError):
    """The server URL is plain http:// to a host other than this machine."""

    code = "insecure_url"


class ServiceUnreachable(AppError):
    """No answer, a timeout, or a 5xx: nothing happened to the issuance."""

    code = "unreachable"


class ProtocolFailure(AppError):
    """The service could not prove the activation password, or its reply was tampered
    with or malformed: a fake server, or a man in the middle. Nothing is stored."""

    code = "protocol_failure"


class WrongActivationPassword(AppError):
    """The service refused our key confirmation: one of the issuance's attempts is used."""

    code = "wrong_activation_password"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong activation password; {attempts_left} attempts left")
        self.attempts_left = attempts_left


class SetupEmbargoed(AppError):
    """A revocation holds setup closed until `available_at` (DESIGN.md rule 10)."""

    code = "setup_embargoed"

    def __init__(self, available_at: datetime) -> None:
        super().__init__(f"setup opens at {available_at.isoformat()}")
        self.available_at = available_at


class IssuanceExpired(AppError):
    """The issuance timed out, or took too many wrong activation passwords."""

    code = "issuance_expired"


class NoIssuance(AppError):
    """No issuance waits for this service ID and user ID (never issued, or already set up)."""

    code = "no_issuance"


class SetupInterrupted(AppError):
    """The service no longer knows our exchange (timed out or replayed); start again.

    The issuance is untouched: no attempt was counted.
    """

    code = "setup_interrupted"


class InvalidInput(AppError):
    """The service rejected a value's format (service ID, user ID)."""

    code = "invalid_input"


class MissingInput(AppError):
    """A script gave no line on stdin where a secret was expected."""

    code = "missing_input"


# -- the vault (vault.py) ------------------------------------------------------------


class VaultError(AppError):
    """Root of the vault's errors; never raised itself."""

    code = "vault_error"


class VaultMissing(VaultError):
    """No vault file yet (no token was ever set up), or its key file is gone."""

    code = "vault_missing"


class VaultCorrupt(VaultError):
    """The file cannot be read or does not authenticate: edited, truncated or foreign."""

    code = "vault_corrupt"


class VaultLocked(VaultError):
    """The app lock is ON: the vault opens only with the lock code."""

    code = "vault_locked"


class InvalidLockCode(VaultError):
    """A new lock code is not 1-32 digits 0-9, or its two entries differ."""

    code = "invalid_lock_code"


class LockDelay(VaultError):
    """Too many wrong lock codes lately: the next try is allowed at `retry_at`."""

    code = "lock_delay"

    def __init__(self, retry_at: datetime, attempts_left: int) -> None:
        super().__init__(f"try again at {retry_at.isoformat()}")
        self.retry_at = retry_at
        self.attempts_left = attempts_left


class WrongLockCode(VaultError):
    """A wrong lock code; `attempts_left` before the vault is wiped."""

    code = "wrong_lock_code"

    def __init__(self, attempts_left: int, retry_at: datetime | None) -> None:
        super().__init__(f"wrong lock code; {attempts_left} attempts left")
        self.attempts_left = attempts_left
        self.retry_at = retry_at


class VaultWiped(VaultError):
    """The last allowed wrong lock code: the vault and every institution's token are gone."""

    code = "vault_wiped"


class TokenNotInVault(VaultError):
    """No token for this service ID and user ID, or no single one when none was named."""

    code = "token_not_found"
