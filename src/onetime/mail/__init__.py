"""Mail for the OTP service and the banking site: templates, SMTP sending, a dev sink."""

from onetime.mail.errors import (
    ForbiddenContextKey,
    MailDeliveryError,
    MailError,
    MailTemplateError,
)
from onetime.mail.message import OutgoingMail, to_email_message
from onetime.mail.sender import Mailer, SmtpMailer
from onetime.mail.sink import MailSink, ReceivedMail, read_mailbox, wait_for
from onetime.mail.templates import render

__all__ = [
    "ForbiddenContextKey",
    "MailDeliveryError",
    "MailError",
    "MailSink",
    "MailTemplateError",
    "Mailer",
    "OutgoingMail",
    "ReceivedMail",
    "SmtpMailer",
    "read_mailbox",
    "render",
    "to_email_message",
    "wait_for",
]
