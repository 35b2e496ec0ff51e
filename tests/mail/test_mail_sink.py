"""The embedded SMTP sink and its Maildir reader."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onetime.mail import MailSink, OutgoingMail, SmtpMailer, read_mailbox, wait_for

SENDER = "noreply@otp-auth.net"


def _mail(subject: str, recipient: str = "yamada@example.jp") -> OutgoingMail:
    return OutgoingMail(SENDER, recipient, subject, f"{subject}の本文\n")


def _send(mailer: SmtpMailer, *mails: OutgoingMail) -> None:
    async def send_all() -> None:
        for mail in mails:
            await mailer.send(mail)

    asyncio.run(send_all())


class TestMailSink:
    """Starting, stopping and where it listens."""

    def test_port_zero_picks_a_free_port_on_loopback(self, sink: MailSink) -> None:
        """The chosen port answers SMTP on 127.0.0.1."""
        assert sink.port > 0
        with socket.create_connection(("127.0.0.1", sink.port), timeout=2) as connection:
            assert connection.recv(1024).startswith(b"220 ")

    def test_port_is_unknown_when_stopped(self, maildir: Path) -> None:
        """Before start and after stop there is no port to report."""
        sink = MailSink(maildir)
        with pytest.raises(RuntimeError):
            _ = sink.port
        sink.start()
        sink.stop()
        with pytest.raises(RuntimeError):
            _ = sink.port

    def test_stop_closes_the_port(self, maildir: Path) -> None:
        """After stop nothing listens any more."""
        with MailSink(maildir) as sink:
            port = sink.port
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()

    def test_port_in_use_is_an_error_and_leaves_it_stopped(self, maildir: Path) -> None:
        """A fixed port someone else holds: OSError, and the sink can be retried."""
        with socket.socket() as other:
            other.bind(("127.0.0.1", 0))
            other.listen()
            sink = MailSink(maildir, port=other.getsockname()[1])
            with pytest.raises(OSError, match="in use"):
                sink.start()
        with pytest.raises(RuntimeError, match="not running"):
            _ = sink.port

    def test_starting_twice_is_refused(self, sink: MailSink) -> None:
        """One sink, one listener."""
        with pytest.raises(RuntimeError, match="already running"):
            sink.start()

    def test_stopping_twice_is_harmless(self, maildir: Path) -> None:
        """stop() after stop() does nothing."""
        sink = MailSink(maildir)
        sink.start()
        sink.stop()
        sink.stop()

    def test_creates_the_maildir(self, sink: MailSink, maildir: Path) -> None:
        """The Maildir exists, with tmp, new and cur, as soon as the sink runs."""
        assert sink.maildir_path == maildir
        assert {p.name for p in maildir.iterdir()} >= {"tmp", "new", "cur"}

    def test_mail_outlives_the_sink(self, maildir: Path) -> None:
        """Stopped and started again, the sink keeps what it received."""
        with MailSink(maildir) as sink:
            _send(SmtpMailer("127.0.0.1", sink.port, starttls=False), _mail("一通目"))
        with MailSink(maildir) as sink:
            _send(SmtpMailer("127.0.0.1", sink.port, starttls=False), _mail("二通目"))
        assert [m.subject for m in read_mailbox(maildir)] == ["一通目", "二通目"]


class TestReadMailbox:
    """Reading the Maildir, as the banking site's /dev/mail page does."""

    def test_no_maildir_yet_means_no_mail(self, tmp_path: Path) -> None:
        """The page may be opened before the sink ever ran."""
        assert read_mailbox(tmp_path / "nothing-here") == []

    def test_newest_last(self, mailer: SmtpMailer, maildir: Path) -> None:
        """Mails come back in the order they arrived."""
        _send(mailer, *(_mail(f"{n}通目") for n in range(1, 6)))
        assert [m.subject for m in read_mailbox(maildir)] == [f"{n}通目" for n in range(1, 6)]

    def test_arrival_time_comes_from_the_sinks_clock(self, maildir: Path) -> None:
        """Time is a parameter: the sink's `now` stamps each arrival."""
        arrival = datetime(2026, 11, 26, 8, 10, tzinfo=UTC)
        with MailSink(maildir, now=lambda: arrival) as sink:
            _send(SmtpMailer("127.0.0.1", sink.port, starttls=False), _mail("件名"))
        [received] = read_mailbox(maildir)
        assert received.received_at == datetime(2026, 11, 26, 8, 10, tzinfo=UTC)

    def test_envelope_is_kept(self, mailer: SmtpMailer, maildir: Path) -> None:
        """MAIL FROM and RCPT TO are what the reader reports as sender and recipients."""
        _send(mailer, _mail("件名", recipient="Yamada Taro <yamada@example.jp>"))
        [received] = read_mailbox(maildir)
        assert received.sender == SENDER
        assert received.recipients == ("yamada@example.jp",)

    def test_another_process_reads_what_the_sink_stored(
        self, mailer: SmtpMailer, maildir: Path
    ) -> None:
        """The banking site reads the Maildir from its own process."""
        _send(mailer, _mail("別プロセス"))
        reader = (
            "import sys\n"
            "from onetime.mail import read_mailbox\n"
            "sys.stdout.buffer.write(read_mailbox(sys.argv[1])[0].subject.encode())\n"
        )
        completed = subprocess.run(
            [sys.executable, "-c", reader, str(maildir)], capture_output=True, check=True
        )
        assert completed.stdout.decode() == "別プロセス"

    def test_reading_leaves_the_mail_in_place(self, mailer: SmtpMailer, maildir: Path) -> None:
        """Several readers see the same mail; none marks it read."""
        _send(mailer, _mail("件名"))
        assert read_mailbox(maildir) == read_mailbox(maildir)
        assert len(list((maildir / "new").iterdir())) == 1


class TestWaitFor:
    """Polling for a mail, bounded in time."""

    def test_returns_the_newest_matching_mail(self, mailer: SmtpMailer, maildir: Path) -> None:
        """Of two mails to the same user, the later one."""
        _send(mailer, _mail("一通目"), _mail("二通目"), _mail("他の人宛", "sato@example.jp"))
        mail = wait_for(maildir, lambda m: m.recipients == ("yamada@example.jp",))
        assert mail.subject == "二通目"

    def test_times_out_when_nothing_matches(self, mailer: SmtpMailer, maildir: Path) -> None:
        """No endless wait: TimeoutError after the given time."""
        _send(mailer, _mail("件名"))
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="1 mails there"):
            wait_for(maildir, lambda m: m.subject == "届かない", timeout=0.2)
        assert time.monotonic() - started < 1.0
