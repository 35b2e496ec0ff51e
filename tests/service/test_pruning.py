"""Rows past their lifetime are deleted: setup sessions once expired, mails after retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from onetime.mail import OutgoingMail
from onetime.service.outbox import MAX_ATTEMPTS, OutboxDispatcher
from onetime.storage.schema import outbox, setup_sessions
from tests.polling import eventually

SENT_MAIL_RETENTION = timedelta(days=7)  # as documented in service/pruning.py and README
FAILED_MAIL_RETENTION = timedelta(days=30)


def add_session(ctx, token_id: int, serial: str, name: str, expires_in: timedelta) -> None:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        conn.execute(insert(setup_sessions).values(
            id=name, token_id=token_id, serial=serial, key_id="k", key_blob=b"x",
            transcript_hash=b"\x00" * 32, created_at=now + expires_in - timedelta(minutes=5),
            expires_at=now + expires_in))


def add_mail(ctx, subject: str, *, age: timedelta, sent: bool = False,
             attempts: int = 0) -> None:
    at = ctx.clock.now() - age
    with ctx.db.write() as conn:
        conn.execute(insert(outbox).values(
            institution_id=None, sender="otp@bank.example.jp", recipient="taro@example.jp",
            subject=subject, body="…", created_at=at, sent_at=at if sent else None,
            attempts=attempts))


def sessions(ctx) -> set[str]:
    with ctx.db.read() as conn:
        return set(conn.execute(select(setup_sessions.c.id)).scalars())


def mails(ctx) -> set[str]:
    with ctx.db.read() as conn:
        return set(conn.execute(select(outbox.c.subject)).scalars())


@pytest.fixture
def token(bank):
    bank.issue("taro")
    return bank.token("taro")


class TestPruneExpired:
    def test_expired_setup_sessions_go_live_ones_stay(self, ctx, token):
        """A session past its expiry is deleted; one still open is kept."""
        from onetime.service.pruning import prune_expired
        add_session(ctx, token.id, token.serial, "expired", -timedelta(seconds=1))
        add_session(ctx, token.id, token.serial, "open", timedelta(minutes=4))
        assert prune_expired(ctx).setup_sessions == 1
        assert sessions(ctx) == {"open"}

    def test_mails_go_after_their_retention(self, ctx):
        """Sent mails after 7 days, failed-for-good ones after 30; waiting mails never."""
        from onetime.service.pruning import prune_expired
        day = timedelta(days=1)
        add_mail(ctx, "sent, old", age=SENT_MAIL_RETENTION + day, sent=True, attempts=1)
        add_mail(ctx, "sent, recent", age=SENT_MAIL_RETENTION - day, sent=True, attempts=1)
        add_mail(ctx, "failed, old", age=FAILED_MAIL_RETENTION + day, attempts=MAX_ATTEMPTS)
        add_mail(ctx, "failed, recent", age=FAILED_MAIL_RETENTION - day,
                 attempts=MAX_ATTEMPTS)
        add_mail(ctx, "still trying, old", age=FAILED_MAIL_RETENTION * 2, attempts=3)
        pruned = prune_expired(ctx)
        assert (pruned.sent_mails, pruned.failed_mails) == (1, 1)
        assert mails(ctx) == {"sent, recent", "failed, recent", "still trying, old"}

    def test_time_is_the_injected_clock(self, ctx, token, clock):
        """Nothing is pruned until the clock passes the lifetime."""
        from onetime.service.pruning import prune_expired
        add_session(ctx, token.id, token.serial, "s", timedelta(minutes=5))
        add_mail(ctx, "sent", age=timedelta(0), sent=True, attempts=1)
        assert prune_expired(ctx).setup_sessions == 0
        clock.advance(timedelta(minutes=5))
        assert prune_expired(ctx).setup_sessions == 1
        clock.advance(SENT_MAIL_RETENTION)
        assert prune_expired(ctx).sent_mails == 1
        assert sessions(ctx) == set()
        assert "sent" not in mails(ctx)  # the issuance mail, never sent, stays


class QuietMailer:
    async def send(self, mail: OutgoingMail) -> None:
        pass


class TestBackground:
    def test_the_outbox_thread_prunes_when_due(self, ctx, token, clock):
        """The background thread that delivers mail also prunes, on the injected clock."""
        from onetime.service.pruning import PRUNE_EVERY
        add_session(ctx, token.id, token.serial, "first", -timedelta(seconds=1))
        dispatcher = OutboxDispatcher(ctx, QuietMailer(), interval=0.02)
        dispatcher.start()
        try:
            eventually(lambda: sessions(ctx) == set(), "an expired session pruned")
            add_session(ctx, token.id, token.serial, "second", -timedelta(seconds=1))
            clock.advance(PRUNE_EVERY)
            dispatcher.kick()
            eventually(lambda: sessions(ctx) == set(), "pruned again when due")
        finally:
            dispatcher.stop()

    def test_pruning_runs_once_per_interval(self, ctx, token, clock):
        """Between two runs at least PRUNE_EVERY passes on the clock."""
        from onetime.service.pruning import PRUNE_EVERY, PruneSchedule
        schedule = PruneSchedule(ctx)
        assert schedule.run_if_due() is not None
        add_session(ctx, token.id, token.serial, "s", -timedelta(seconds=1))
        assert schedule.run_if_due() is None
        assert sessions(ctx) == {"s"}
        clock.advance(PRUNE_EVERY)
        assert schedule.run_if_due().setup_sessions == 1
