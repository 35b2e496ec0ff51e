"""Errors of the mail package.

`MailError` is the root and is never raised itself; each subclass says when it
happens, so a caller catches exactly the case it can handle.
"""


class MailError(Exception):
    """Root of every error raised by `onetime.mail`; never raised itself."""


class MailDeliveryError(MailError):
    """The SMTP server could not be reached, timed out or refused the mail.

    The message names the recipient and the server, never the mail's body.
    """

    def __init__(self, message: str, *, recipient: str, host: str, port: int) -> None:
        super().__init__(message)
        self.recipient = recipient
        self.host = host
        self.port = port


class MailTemplateError(MailError, ValueError):
    """A mail cannot be rendered: unknown kind or language, or a missing value."""


class ForbiddenContextKey(MailTemplateError):
    """A template context carried a key named like a secret (password, secret, code).

    Mail is not a safe channel: the activation password and token secrets must
    never reach a template, whatever the caller meant to do with them.
    """

    def __init__(self, key: str) -> None:
        super().__init__(f"mail templates never receive secrets; refused context key {key!r}")
        self.key = key
