"""A mail is sent once, though every worker runs an outbox thread (found by the metrics
test of issue 13: two workers, 5 mails queued, 7 delivered).

The claim counted an attempt but left the mail unsent until the SMTP exchange ended; a
second process reading the outbox meanwhile claimed it again and sent it again. Here the
second process is a second delivery started while the first one's mail is on the wire.
"""

from __future__ import annotations

import threading

from onetime.mail import MailSink, SmtpMailer, read_mailbox
from onetime.service.outbox import deliver_pending


class Interleaved:
    """A real SMTP mailer that, during its first send, lets another delivery run to its end
    (in another thread: as another worker's outbox thread would, at that moment)."""

    def __init__(self, ctx, mailer: SmtpMailer) -> None:
        self.ctx, self.mailer = ctx, mailer
        self.meanwhile: list[int] = []

    async def send(self, mail) -> None:
        if not self.meanwhile:
            self.meanwhile.append(-1)
            other = threading.Thread(target=lambda: self.meanwhile.append(
                deliver_pending(self.ctx, self.mailer)))
            other.start()
            other.join(30)
        await self.mailer.send(mail)


def test_a_mail_being_sent_is_not_sent_again_by_another_worker(services, ctx, institution,
                                                               tmp_path):
    services.tokens.issue_token(institution, "taro", "taro@example.jp", "48213907")
    with MailSink(tmp_path / "maildir") as sink:
        mailer = Interleaved(ctx, SmtpMailer(host="127.0.0.1", port=sink.port,
                                             starttls=False))
        sent = deliver_pending(ctx, mailer)
    assert (sent, mailer.meanwhile) == (1, [-1, 0])  # the other delivery sent nothing
    assert len(read_mailbox(tmp_path / "maildir")) == 1
