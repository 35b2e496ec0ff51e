"""Builds the use cases for one process from its configuration."""

from __future__ import annotations

from dataclasses import dataclass, field

from onetime.config import Config
from onetime.crypto import PRODUCTION_KDF, TEST_KDF, FileKeyProvider, KeyFileMissing, KeyRing
from onetime.domain.clock import Clock, FileClock, SystemClock
from onetime.mail import SmtpMailer
from onetime.service.audit import Sealer
from onetime.service.context import Context
from onetime.service.imports import ImportService
from onetime.service.institutions import InstitutionService
from onetime.service.outbox import OutboxDispatcher
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

    def __post_init__(self) -> None:
        self.imports = ImportService(self.ctx)

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
        config.key_file.parent.mkdir(parents=True, exist_ok=True)
        provider = FileKeyProvider.create(config.key_file)
    return KeyRing(provider)


def build_context(config: Config, *, clock: Clock | None = None,
                  create_keys: bool = False) -> Context:
    if config.database_url.startswith("sqlite:///"):
        from pathlib import Path
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True,
                                                                         exist_ok=True)
    if clock is None:
        clock = FileClock(str(config.clock_file)) if config.clock_file else SystemClock()
    return Context(db=Database(config.database_url),
                   keyring=open_keyring(config, create=create_keys), clock=clock,
                   setup_kdf=TEST_KDF if config.kdf_profile == "test" else PRODUCTION_KDF,
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
