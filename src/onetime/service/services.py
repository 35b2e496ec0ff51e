"""Builds the use cases for one process from its configuration, and what runs beside them."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from onetime.config import Config
from onetime.crypto import PRODUCTION_KDF, TEST_KDF, FileKeyProvider, KeyFileMissing, KeyRing
from onetime.domain.clock import Clock, SystemClock
from onetime.mail import SmtpMailer
from onetime.observe import logs
from onetime.service.confirmations import ConfirmationService
from onetime.service.context import Context
from onetime.service.imports import ImportService
from onetime.service.institutions import InstitutionService
from onetime.service.outbox import OutboxDispatcher
from onetime.service.sealing import (
    RENEW_SECONDS,
    Heartbeat,
    Sealer,
    seal_while_elected,
)
from onetime.service.setup import SetupService
from onetime.service.tokens import TokenService
from onetime.storage.database import Database


@dataclass
class Services:
    ctx: Context
    institutions: InstitutionService
    tokens: TokenService
    setup: SetupService
    # Built from ctx, so code that constructs Services by hand need not know about it.
    imports: ImportService = field(init=False)
    confirmations: ConfirmationService = field(init=False)

    def __post_init__(self) -> None:
        self.imports = ImportService(self.ctx)
        self.confirmations = ConfirmationService(self.ctx, self.institutions)

    @classmethod
    def from_context(cls, ctx: Context) -> Services:
        institutions = InstitutionService(ctx)
        return cls(ctx=ctx, institutions=institutions, tokens=TokenService(ctx),
                   setup=SetupService(ctx, institutions))


def open_keyring(config: Config, *, create: bool = False) -> KeyRing:
    try:
        provider = FileKeyProvider.open(config.key_file)
    except KeyFileMissing:
        if not create:
            raise
        provider = FileKeyProvider.create(config.key_file)
    return KeyRing(provider)


def build_context(config: Config, *, clock: Clock | None = None,
                  create_keys: bool = False, kdf_profile: str = "production",
                  serving: bool = False) -> Context:
    """The context of one process: the system clock and argon2's production cost, unless
    the caller (a test, or onetime.dev) passes others. `serving`: a server worker's
    (Database `serving`)."""
    return Context(db=Database(config.database_url, serving=serving),
                   keyring=open_keyring(config, create=create_keys),
                   clock=clock or SystemClock(),
                   setup_kdf=TEST_KDF if kdf_profile == "test" else PRODUCTION_KDF,
                   audit_anchor=config.audit_anchor)


@dataclass
class Background:
    """The threads a server process runs beside its requests."""

    sealer: Sealer
    outbox: OutboxDispatcher

    @classmethod
    def start(cls, ctx: Context, config: Config) -> Background:
        background = cls(Sealer(ctx, config.seal_interval),
                         OutboxDispatcher(ctx, SmtpMailer(host=config.smtp_host,
                                                          port=config.smtp_port,
                                                          starttls=config.smtp_starttls),
                                          config.outbox_interval))
        background.sealer.start()
        background.outbox.start()
        return background

    def stop(self) -> None:
        self.sealer.stop()
        self.outbox.stop()


SEALER_NICENESS = 10


def start_sealer_process(config: Config) -> BaseProcess:
    """Start the dedicated audit sealer (see sealing.py) in a process of its own.

    Spawned, not forked: a fork would copy the parent's connections and locks. Daemonic:
    it is terminated when the process that started it exits.
    """
    process = multiprocessing.get_context("spawn").Process(
        target=run_sealer_process, args=(config, config.sealer_interval, os.getpid()),
        name="onetime-audit-sealer", daemon=True)
    process.start()
    return process


def run_sealer_process(config: Config, interval: float, parent: int, *,
                       renew: float = RENEW_SECONDS) -> None:
    """The dedicated sealer process's body: its own context, sealing until its parent goes."""
    # Ctrl-C reaches the whole process group; the server ends this process when it stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Sealing can wait a few milliseconds; requests should not wait for it. Measured on
    # PostgreSQL under load: p99 17-20 ms niced, 17-28 ms not.
    os.nice(SEALER_NICENESS)
    # In the server's format (`onetime serve --log-format`, which names it to its children).
    logs.configure(os.environ.get(logs.FORMAT_ENV, "text"), "warning")
    ctx = build_context(config)
    stop = threading.Event()
    threading.Thread(target=_stop_when_orphaned, args=(stop, parent), daemon=True).start()
    heartbeat = Heartbeat.of(config)
    try:
        seal_while_elected(ctx, interval, stop, renew=renew,
                           beat=heartbeat.beat if heartbeat else lambda: None)
    finally:
        ctx.db.dispose()


def _stop_when_orphaned(stop: threading.Event, parent: int) -> None:
    # A parent killed outright (SIGKILL) runs no exit handler to end its daemonic children:
    # without this, the sealer would hold the election for a server that no longer exists.
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()
