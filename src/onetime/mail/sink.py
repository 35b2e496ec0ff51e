"""An SMTP sink for development and tests, and a reader of what it received.

`MailSink` listens on 127.0.0.1 only and files every message it receives in a
Maildir, which other processes (the banking site's ``/dev/mail`` page, a test)
read with `read_mailbox` while the sink keeps writing: Maildir delivers each
message into ``tmp/`` and renames it into ``new/``, so a reader never sees half
a message.
"""

from __future__ import annotations

import mailbox
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"

# Trace fields the sink puts on top of each message, as a delivery agent would.
_RECEIVED_AT = "X-Onetime-Received-At"


@dataclass(frozen=True)
class ReceivedMail:
    """One message in the sink's Maildir, decoded.

    `sender` and `recipients` are the SMTP envelope's (MAIL FROM, RCPT TO);
    `key` names the message in the Maildir.
    """

    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    received_at: datetime
    message_id: str
    key: str


class MailSink:
    """An SMTP server on 127.0.0.1 that stores every message in a Maildir.

    ``port=0`` lets the system pick a free port; read it from `port` once
    started. Use as a context manager, or call `start` and `stop`.
    `now` (a Clock's ``now``) stamps each message's arrival time.
    """

    def __init__(
        self,
        maildir_path: str | PathLike[str],
        *,
        port: int = 0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.maildir_path = Path(maildir_path)
        self._requested_port = port
        self._now = now or (lambda: datetime.now(UTC))
        self._controller: _ListeningController | None = None

    def __repr__(self) -> str:
        state = f"port={self._controller.port}" if self._controller else "stopped"
        return f"MailSink({str(self.maildir_path)!r}, {state})"

    @property
    def port(self) -> int:
        """The port the sink listens on.

        Raises:
            RuntimeError: the sink is not running.
        """
        if self._controller is None:
            raise RuntimeError("the mail sink is not running")
        return self._controller.port

    def start(self) -> None:
        """Create the Maildir if needed and start listening.

        Raises:
            RuntimeError: the sink is already running.
            OSError: the port cannot be bound.
        """
        if self._controller is not None:
            raise RuntimeError("the mail sink is already running")
        handler = _MaildirHandler(mailbox.Maildir(self.maildir_path, create=True), self._now)
        # Bound here, in the caller's thread, so a busy port fails at once and port 0
        # is resolved before aiosmtpd's thread starts.
        listener = socket.create_server((LOOPBACK, self._requested_port))
        controller = _ListeningController(
            handler,
            listener,
            # A fixed name spares the server a reverse DNS lookup (socket.getfqdn).
            server_hostname="onetime-sink",
        )
        try:
            controller.start()
        except BaseException:
            controller.stop(no_assert=True)
            listener.close()
            if not controller.loop.is_closed():  # its thread died before closing it
                controller.loop.close()
            raise
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; the Maildir and its messages stay. Stopping twice is a no-op."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def read_mailbox(path: str | PathLike[str]) -> list[ReceivedMail]:
    """Every message in the Maildir at `path`, oldest first.

    A path where no sink has run yet holds no mail. Messages are left in place
    (not marked read), so several readers can look at the same Maildir.
    """
    path = Path(path)
    if not (path / "new").is_dir():
        return []
    maildir = mailbox.Maildir(path, create=False)
    mails = []
    for key in maildir.iterkeys():
        try:
            data = maildir.get_bytes(key)
        except (KeyError, FileNotFoundError):  # removed by someone else meanwhile
            continue
        mails.append(_parse(key, data, maildir))
    mails.sort(key=lambda mail: (mail.received_at, mail.key))
    return mails


def wait_for(
    path: str | PathLike[str],
    predicate: Callable[[ReceivedMail], bool],
    timeout: float = 5.0,
    *,
    interval: float = 0.05,
) -> ReceivedMail:
    """Poll the Maildir until a message satisfies `predicate`; return the newest such.

    Raises:
        TimeoutError: none did within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        mails = read_mailbox(path)
        for mail in reversed(mails):
            if predicate(mail):
                return mail
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"no matching mail in {path} after {timeout} s ({len(mails)} mails there)"
            )
        time.sleep(interval)


class _ListeningController(Controller):
    """aiosmtpd's threaded Controller, serving on a socket bound beforehand."""

    def __init__(self, handler: Any, listener: socket.socket, **kwargs: Any) -> None:
        host, port = listener.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._listener = listener

    def _create_server(self) -> Any:
        # The server takes the socket over and closes it when it stops.
        return self.loop.create_server(
            self._factory_invoker, sock=self._listener, ssl=self.ssl_context
        )


class _MaildirHandler:
    """aiosmtpd handler: file each message, with its envelope, in the Maildir."""

    def __init__(self, maildir: mailbox.Maildir, now: Callable[[], datetime]) -> None:
        self._maildir = maildir
        self._now = now

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        trace = [f"Return-Path: <{envelope.mail_from or ''}>"]
        trace += [f"Delivered-To: {recipient}" for recipient in envelope.rcpt_tos]
        trace.append(f"{_RECEIVED_AT}: {self._now().astimezone(UTC).isoformat()}")
        head = "".join(f"{line}\r\n" for line in trace).encode()
        content = envelope.original_content or b""
        self._maildir.add((head + content).replace(b"\r\n", b"\n"))
        return "250 OK: stored"


def _parse(key: str, data: bytes, maildir: mailbox.Maildir) -> ReceivedMail:
    message = message_from_bytes(data, policy=default_policy)
    return_path = message.get("Return-Path")
    if return_path is not None:
        sender = str(return_path).strip().removeprefix("<").removesuffix(">")
    else:  # filed by something other than this sink
        sender = _first_address(message.get("From"))
    recipients = tuple(str(value) for value in message.get_all("Delivered-To", ()))
    if not recipients:
        recipients = tuple(a.addr_spec for a in getattr(message.get("To"), "addresses", ()))
    received = message.get(_RECEIVED_AT)
    if received is not None:
        received_at = datetime.fromisoformat(str(received))
    else:
        received_at = datetime.fromtimestamp(maildir.get_message(key).get_date(), UTC)
    body_part = message.get_body(preferencelist=("plain",))
    body = body_part.get_content() if body_part is not None else ""
    # Text travels with CRLF line breaks (RFC 2046), inside base64 too; give back lines.
    body = body.replace("\r\n", "\n")
    return ReceivedMail(
        sender=sender,
        recipients=recipients,
        subject=str(message.get("Subject", "")),
        body=body,
        received_at=received_at,
        message_id=str(message.get("Message-ID", "")).strip(),
        key=key,
    )


def _first_address(header: Any) -> str:
    addresses = getattr(header, "addresses", ())
    return addresses[0].addr_spec if addresses else ""
