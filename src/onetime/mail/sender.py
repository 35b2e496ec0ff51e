"""Delivering an `OutgoingMail` over SMTP."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import aiosmtplib

from onetime.mail.errors import MailDeliveryError
from onetime.mail.message import (
    OutgoingMail,
    envelope_recipient,
    envelope_sender,
    to_email_message,
)


class Mailer(Protocol):
    """Anything that delivers a mail: `SmtpMailer` in production and in tests."""

    async def send(self, mail: OutgoingMail) -> None:
        """Deliver `mail`, or raise `MailDeliveryError`."""
        ...


class SmtpMailer:
    """Sends each mail in its own SMTP session with aiosmtplib.

    `starttls=True` requires STARTTLS (and fails if the server does not offer
    it); `False` never upgrades, which only suits a relay on the same host or
    the embedded sink. `timeout` bounds each network step, in seconds.
    `now` (a Clock's ``now``) stamps the Date header.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout = timeout
        self.tls_context = tls_context
        self.local_hostname = local_hostname
        self._now = now or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        # The password stays out of reprs and so out of logs and tracebacks.
        return f"SmtpMailer(host={self.host!r}, port={self.port}, username={self.username!r})"

    async def send(self, mail: OutgoingMail) -> None:
        """Deliver `mail` to its recipient through the configured server.

        Raises:
            MailDeliveryError: the server could not be reached, timed out, refused
                the login, the sender, the recipient or the data. Its message names
                the recipient and the server, never the body.
        """
        message = to_email_message(mail, sent_at=self._now())
        # Flattened here with the SMTP policy so that non-ASCII headers are sent as
        # RFC 2047 encoded words, whatever extensions the server offers.
        data = message.as_bytes()
        recipient = envelope_recipient(mail)
        try:
            await aiosmtplib.send(
                data,
                sender=envelope_sender(mail),
                recipients=[recipient],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self._password,
                start_tls=self.starttls,
                tls_context=self.tls_context,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailDeliveryError(
                f"mail to {recipient} via {self.host}:{self.port} failed: "
                f"{type(exc).__name__}: {_describe(exc)}",
                recipient=recipient,
                host=self.host,
                port=self.port,
            ) from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    return str(exc) or "no detail"
