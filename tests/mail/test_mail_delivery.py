"""Real SMTP exchanges: SmtpMailer through aiosmtplib into the sink's Maildir."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from onetime.mail import (
    MailDeliveryError,
    MailSink,
    OutgoingMail,
    SmtpMailer,
    read_mailbox,
    render,
)

SENDER = "茨城県信用組合 <noreply@kenshinbank.co.jp>"
ACTIVATION_PASSWORD = "48213907"


def _send(mailer: SmtpMailer, mail: OutgoingMail) -> None:
    asyncio.run(mailer.send(mail))


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


class TestRoundTrip:
    """What is sent is what arrives."""

    def test_japanese_subject_and_body_survive(self, mailer: SmtpMailer, maildir: Path) -> None:
        """Subject and body come back character for character."""
        subject = "【茨城県信用組合】ワンタイムパスワード 利用停止解除のお知らせ"
        body = "ユーザID：yamada01 のワンタイムパスワードの利用停止を解除しました。\n①ｶﾀｶﾅ〜\n"
        _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", subject, body))
        [received] = read_mailbox(maildir)
        assert received.subject == subject
        assert received.body == body

    def test_sender_domain_is_preserved(self, mailer: SmtpMailer, maildir: Path) -> None:
        """Rule 14: envelope, From and Message-ID all carry the institution's domain."""
        _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", "件名", "本文\n"))
        [received] = read_mailbox(maildir)
        assert received.sender == "noreply@kenshinbank.co.jp"
        assert received.recipients == ("yamada@example.jp",)
        assert received.message_id.endswith("@kenshinbank.co.jp>")
        [stored] = (maildir / "new").iterdir()
        assert "From: =?utf-8?b?" in stored.read_text()
        assert "<noreply@kenshinbank.co.jp>" in stored.read_text()

    def test_date_header_comes_from_the_mailers_clock(
        self, mailer: SmtpMailer, maildir: Path
    ) -> None:
        """Time is a parameter: the mailer's `now` stamps the Date header."""
        _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", "件名", "本文\n"))
        [stored] = (maildir / "new").iterdir()
        # conftest's mailer reads the time 2026-11-26 00:30 UTC
        assert "Date: Thu, 26 Nov 2026 00:30:00 +0000" in stored.read_text()


class TestIssuanceMail:
    """The mail of the manual's 手順2, delivered."""

    def test_has_the_ids_and_url_and_not_the_activation_password(
        self, mailer: SmtpMailer, maildir: Path, institution: dict[str, str]
    ) -> None:
        """Rule 5: service ID, user ID and download URL, never the activation password."""
        subject, body = render(
            "token_issued",
            **institution,
            service_id="0310",
            user_id="yamada01",
            download_url="https://otp-auth.net/app",
        )
        _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", subject, body))
        [received] = read_mailbox(maildir)
        assert "サービスID：0310" in received.body
        assert "ユーザID：yamada01" in received.body
        assert "ダウンロードURL：https://otp-auth.net/app" in received.body
        assert "茨城県信用組合" in received.body
        assert ACTIVATION_PASSWORD not in received.body
        [stored] = (maildir / "new").iterdir()
        assert ACTIVATION_PASSWORD.encode() not in stored.read_bytes()


class TestFailures:
    """Delivery that cannot happen says so, quickly and without the body."""

    def test_closed_port_raises_delivery_error_quickly(self, closed_port: int) -> None:
        """Nothing listens: MailDeliveryError well within the timeout."""
        mailer = SmtpMailer("127.0.0.1", closed_port, starttls=False, timeout=1.0)
        body = "ユーザID：yamada01 の本文\n"
        started = time.monotonic()
        with pytest.raises(MailDeliveryError) as caught:
            _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", "件名", body))
        assert time.monotonic() - started < 2.0
        assert body.strip() not in str(caught.value)
        assert caught.value.recipient == "yamada@example.jp"
        assert caught.value.port == closed_port

    def test_silent_server_times_out(self, silent_port: int) -> None:
        """A server that never greets is given up after the timeout."""
        mailer = SmtpMailer("127.0.0.1", silent_port, starttls=False, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(MailDeliveryError, match="Timeout"):
            _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", "件名", "本文\n"))
        assert time.monotonic() - started < 2.0

    def test_required_starttls_missing_is_a_delivery_error(self, sink: MailSink) -> None:
        """The sink offers no TLS; a mailer that insists does not send in clear."""
        mailer = SmtpMailer("127.0.0.1", sink.port, starttls=True, timeout=2.0)
        with pytest.raises(MailDeliveryError):
            _send(mailer, OutgoingMail(SENDER, "yamada@example.jp", "件名", "本文\n"))
        assert read_mailbox(sink.maildir_path) == []


class TestSmtpMailer:
    """Configuration of the mailer."""

    def test_password_is_not_in_repr(self) -> None:
        """No secret in a repr, so none in a log line."""
        mailer = SmtpMailer("smtp.example.jp", 587, username="otp", password="hunter2-smtp")
        assert "hunter2-smtp" not in repr(mailer)

    def test_username_without_password_is_refused(self) -> None:
        """Half a login is a configuration mistake."""
        with pytest.raises(ValueError, match="password"):
            SmtpMailer("smtp.example.jp", 587, username="otp")
