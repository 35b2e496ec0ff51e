"""OutgoingMail and its MIME form."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from onetime.mail import OutgoingMail, to_email_message

SENDER = "茨城県信用組合 <noreply@kenshinbank.co.jp>"
SUBJECT = "【茨城県信用組合】ワンタイムパスワード トークン発行のお知らせ"


def _mail(**overrides: str) -> OutgoingMail:
    fields = {
        "sender": SENDER,
        "recipient": "yamada@example.jp",
        "subject": SUBJECT,
        "body": "いつも茨城県信用組合をご利用いただきありがとうございます。\n",
    }
    return OutgoingMail(**(fields | overrides))


class TestOutgoingMail:
    """What a mail may hold."""

    @pytest.mark.parametrize("field", ["sender", "recipient", "subject"])
    def test_line_break_in_a_header_field_is_refused(self, field: str) -> None:
        """A CR or LF could smuggle extra headers (Bcc:) into the mail."""
        with pytest.raises(ValueError, match=field):
            _mail(**{field: "yamada@example.jp\r\nBcc: thief@example.com"})

    @pytest.mark.parametrize("address", ["yamada", "yamada@", "", "a@example.jp, b@example.jp"])
    def test_recipient_must_be_one_address_with_a_domain(self, address: str) -> None:
        """Each mail goes to exactly one mailbox."""
        with pytest.raises(ValueError, match="recipient"):
            _mail(recipient=address)

    def test_sender_without_domain_is_refused(self) -> None:
        """The sender's domain is the institution's; without one there is no Message-ID."""
        with pytest.raises(ValueError, match="sender"):
            _mail(sender="noreply")


class TestToEmailMessage:
    """The RFC 5322 message built from an OutgoingMail."""

    def test_plain_text_in_utf8(self) -> None:
        """The body is text/plain, charset utf-8."""
        message = to_email_message(_mail())
        assert message.get_content_type() == "text/plain"
        assert message.get_content_charset() == "utf-8"

    def test_date_is_the_time_given(self) -> None:
        """Callers with a Clock decide the Date header."""
        sent_at = datetime(2026, 11, 26, 8, 10, tzinfo=UTC)
        message = to_email_message(_mail(), sent_at=sent_at)
        assert message["Date"].datetime == sent_at

    def test_naive_time_is_refused(self) -> None:
        """A Date without an offset would be read in the reader's zone."""
        with pytest.raises(ValueError, match="aware"):
            to_email_message(_mail(), sent_at=datetime(2026, 11, 26, 8, 10))

    def test_message_id_is_at_the_senders_domain(self) -> None:
        """Rule 14: the mail visibly comes from the institution's own domain."""
        message = to_email_message(_mail())
        assert message["Message-ID"].endswith("@kenshinbank.co.jp>")

    def test_japanese_headers_are_encoded_words(self) -> None:
        """On the wire headers are ASCII (RFC 2047); parsed back they are the original."""
        raw = to_email_message(_mail()).as_bytes()
        head = raw.split(b"\n\n", 1)[0]
        assert head.isascii()
        assert b"=?utf-8?" in head
        parsed = message_from_bytes(raw, policy=default_policy)
        assert parsed["Subject"] == SUBJECT
        assert parsed["From"].addresses[0].display_name == "茨城県信用組合"

    def test_marked_as_automatic(self) -> None:
        """Auto-Submitted keeps out-of-office replies away from a send-only address."""
        assert to_email_message(_mail())["Auto-Submitted"] == "auto-generated"
