"""The mail world: a running sink on 127.0.0.1, a mailer pointed at it, an institution."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onetime.mail import MailSink, SmtpMailer

SENT_AT = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    return tmp_path / "Maildir"


@pytest.fixture
def sink(maildir: Path) -> Iterator[MailSink]:
    with MailSink(maildir, port=0) as running:
        yield running


@pytest.fixture
def mailer(sink: MailSink) -> SmtpMailer:
    # The sink offers no TLS; a fixed EHLO name spares a DNS lookup.
    return SmtpMailer(
        "127.0.0.1",
        sink.port,
        starttls=False,
        timeout=5.0,
        local_hostname="localhost",
        now=lambda: SENT_AT,
    )


@pytest.fixture
def institution() -> dict[str, str]:
    """The manual's credit union, as every mail template needs it."""
    return {
        "institution_name": "茨城県信用組合",
        "support_name": "けんしんインターネットバンキングサポートセンター",
    }
