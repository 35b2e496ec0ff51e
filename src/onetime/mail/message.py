"""An outgoing mail and its RFC 5322 form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid


@dataclass(frozen=True)
class OutgoingMail:
    """One plain-text mail to one recipient.

    `sender` is an address, optionally with a display name
    (``茨城県信用組合 <noreply@kenshinbank.co.jp>``); its domain is the
    institution's own (DESIGN rule 14), so it also names the Message-ID.

    Raises:
        ValueError: a header field holds a line break (header injection), or an
            address has no domain.
    """

    sender: str
    recipient: str
    subject: str
    body: str

    def __post_init__(self) -> None:
        for name in ("sender", "recipient", "subject"):
            if any(c in getattr(self, name) for c in "\r\n"):
                raise ValueError(f"{name} must be one line")
        for name in ("sender", "recipient"):
            _single_address(getattr(self, name), name)


def to_email_message(mail: OutgoingMail, *, sent_at: datetime | None = None) -> EmailMessage:
    """Build the MIME message: UTF-8 text/plain, Date, Message-ID at the sender's domain.

    `sent_at` (aware) becomes the Date header; callers with a Clock pass
    `clock.now()`, and it defaults to the current time.

    Raises:
        ValueError: `sent_at` is naive.
    """
    if sent_at is None:
        sent_at = datetime.now(UTC)
    if sent_at.utcoffset() is None:
        raise ValueError("sent_at must be timezone-aware")
    message = EmailMessage(policy=SMTP)
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain=sender_domain(mail))
    # RFC 3834: tells autoresponders not to answer a send-only address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, charset="utf-8")
    return message


def envelope_sender(mail: OutgoingMail) -> str:
    """The bare address of the sender, for SMTP's MAIL FROM."""
    return _single_address(mail.sender, "sender").addr_spec


def envelope_recipient(mail: OutgoingMail) -> str:
    """The bare address of the recipient, for SMTP's RCPT TO."""
    return _single_address(mail.recipient, "recipient").addr_spec


def sender_domain(mail: OutgoingMail) -> str:
    """The domain of the sender's address (``kenshinbank.co.jp``)."""
    return _single_address(mail.sender, "sender").domain


def _single_address(value: str, name: str) -> Address:
    probe = EmailMessage()
    try:
        probe["To"] = value
        header = probe["To"]
    except (ValueError, IndexError) as exc:  # the parser's IndexError: "a@" and the like
        raise ValueError(f"{name} is not an e-mail address") from exc
    addresses = header.addresses
    if header.defects or len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"{name} must be exactly one address with a domain")
    return addresses[0]
