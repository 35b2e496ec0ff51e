"""Delivers queued mails after their transaction committed, retrying on failure."""

from __future__ import annotations

import asyncio
import logging
import threading

from onetime.domain.errors import ServiceUnavailable
from onetime.mail import Mailer, MailError, OutgoingMail
from onetime.observe import metrics
from onetime.service.context import Context
from onetime.service.pruning import MAX_MAIL_ATTEMPTS, PruneSchedule

log = logging.getLogger(__name__)
MAX_ATTEMPTS = MAX_MAIL_ATTEMPTS


# Held for a whole round of sending, by one process of all those sharing the database.
SENDER_ELECTION = "outbox-sender"


def deliver_pending(ctx: Context, mailer: Mailer, limit: int = 100) -> int:
    """Send up to `limit` unsent mails; returns how many went out.

    One process at a time: a claimed mail stays unsent until its SMTP exchange ends, and
    another worker's round meanwhile would claim it again and send it twice. The others
    skip their round (0); the next one, or a kick, sends what is left.
    """
    with ctx.db.exclusive(SENDER_ELECTION) as elected:
        return _deliver(ctx, mailer, limit) if elected else 0


def _deliver(ctx: Context, mailer: Mailer, limit: int) -> int:
    with ctx.db.read() as conn:
        queued = ctx.outbox.pending(conn, MAX_ATTEMPTS, limit)
    sent = 0
    for m in queued:
        # Claim the row first so two processes never send the same mail twice.
        with ctx.db.write() as conn:
            claimed = ctx.outbox.claim(conn, m)
        if not claimed:
            continue
        mail = OutgoingMail(sender=m.sender, recipient=m.recipient, subject=m.subject,
                            body=m.body)
        try:
            asyncio.run(mailer.send(mail))
        except MailError as exc:
            log.warning("mail %s not delivered (attempt %s): %s", m.id, m.attempts + 1,
                        type(exc).__name__)
            with ctx.db.write() as conn:
                ctx.outbox.record_error(conn, m.id, str(exc))
            metrics.mail(sent=False)
            continue
        with ctx.db.write() as conn:
            ctx.outbox.mark_sent(conn, m.id, ctx.clock.now())
        metrics.mail(sent=True)
        sent += 1
    return sent


class OutboxDispatcher:
    """A background thread; `kick()` after a commit that queued mail sends it at once.

    It also prunes expired setup sessions and old mails when due (service/pruning.py).
    """

    def __init__(self, ctx: Context, mailer: Mailer, interval: float = 2.0) -> None:
        self.ctx, self.mailer, self.interval = ctx, mailer, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._pruning = PruneSchedule(ctx)

    def start(self) -> None:
        self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                deliver_pending(self.ctx, self.mailer)
                self._pruning.run_if_due()
            except ServiceUnavailable:  # a busy or restarting database: next round retries
                log.warning("outbox round failed: database unavailable; will retry",
                            exc_info=True)
            except Exception:
                # A bug, logged as one. The thread lives on: it is this process's only
                # sender of mail, and the queued mails wait safely in the outbox.
                log.exception("outbox round failed unexpectedly; will retry")
