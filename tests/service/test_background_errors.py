"""The background threads (outbox, audit sealer) outlive every error, but a bug is logged
as one: an ERROR with its traceback, not the warning an outage gets."""

from __future__ import annotations

import logging
import threading

import pytest

from onetime.crypto import TEST_KDF
from onetime.mail import OutgoingMail
from onetime.service.context import Context
from onetime.service.outbox import OutboxDispatcher
from onetime.service.sealing import Sealer, seal_while_elected
from onetime.storage.database import Database
from tests.e2e.servers import free_port
from tests.polling import eventually


class QuietMailer:
    async def send(self, mail: OutgoingMail) -> None:
        pass


@pytest.fixture
def unmigrated(keyring, clock, tmp_path):
    """A database without its tables: every round of a background job meets a bug."""
    ctx = Context(db=Database(f"sqlite:///{tmp_path / 'unmigrated.db'}"), keyring=keyring,
                  clock=clock, setup_kdf=TEST_KDF)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def refused(keyring, clock):
    """A PostgreSQL URL nobody answers on: every round meets an outage."""
    ctx = Context(db=Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"),
                  keyring=keyring, clock=clock, setup_kdf=TEST_KDF)
    yield ctx
    ctx.db.dispose()


def logged(caplog, name: str, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name and r.levelno == level]


class TestOutboxThread:
    def test_a_bug_is_logged_as_an_error_and_the_thread_goes_on(self, unmigrated, caplog):
        dispatcher = OutboxDispatcher(unmigrated, QuietMailer(), interval=0.02)
        dispatcher.start()
        try:
            errors = eventually(lambda: logged(caplog, "onetime.service.outbox",
                                               logging.ERROR), "the bug logged", timeout=5)
            assert errors[0].exc_info is not None
            assert dispatcher._thread.is_alive()
        finally:
            dispatcher.stop()

    def test_an_outage_is_a_warning(self, refused, caplog):
        dispatcher = OutboxDispatcher(refused, QuietMailer(), interval=0.02)
        dispatcher.start()
        try:
            eventually(lambda: logged(caplog, "onetime.service.outbox", logging.WARNING),
                       "the outage logged", timeout=5)
            assert not logged(caplog, "onetime.service.outbox", logging.ERROR)
        finally:
            dispatcher.stop()


class TestSealerThreads:
    def test_a_bug_in_a_workers_sealer_is_logged_as_an_error(self, unmigrated, caplog):
        sealer = Sealer(unmigrated, interval=0.02)
        sealer.start()
        try:
            eventually(lambda: logged(caplog, "onetime.service.sealing", logging.ERROR),
                       "the bug logged", timeout=5)
            assert sealer._thread.is_alive()
        finally:
            sealer.stop()

    def test_a_bug_in_the_dedicated_sealer_is_logged_as_an_error(self, unmigrated, caplog):
        stop = threading.Event()
        loop = threading.Thread(target=seal_while_elected, args=(unmigrated, 0.02, stop),
                                daemon=True)
        loop.start()
        try:
            eventually(lambda: logged(caplog, "onetime.service.sealing", logging.ERROR),
                       "the bug logged", timeout=5)
            assert loop.is_alive()
        finally:
            stop.set()
            loop.join(5)

    def test_an_outage_is_a_warning(self, refused, caplog):
        stop = threading.Event()
        loop = threading.Thread(target=seal_while_elected, args=(refused, 0.02, stop),
                                daemon=True)
        loop.start()
        try:
            eventually(lambda: logged(caplog, "onetime.service.sealing", logging.WARNING),
                       "the outage logged", timeout=5)
            assert not logged(caplog, "onetime.service.sealing", logging.ERROR)
        finally:
            stop.set()
            loop.join(5)
