"""`uvicorn --factory onetime.api.server:app`: builds the app from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from onetime.api.app import create_app
from onetime.config import Config
from onetime.domain.clock import Clock
from onetime.service.sealing import Heartbeat
from onetime.service.services import Background, Services, build_context


def app() -> FastAPI:
    return build(Config.from_env())


def build(config: Config, *, clock: Clock | None = None,
          kdf_profile: str = "production") -> FastAPI:
    """The API of `config`, its background threads started with it.

    `clock` and `kdf_profile` are for onetime.dev; production keeps the defaults.
    """
    ctx = build_context(config, clock=clock, kdf_profile=kdf_profile, serving=True)
    services = Services.from_context(ctx)
    background: list[Background] = []

    def start():
        background.append(Background.start(ctx, config))

    def stop():
        for b in background:
            b.stop()
        ctx.db.dispose()

    return create_app(services, on_start=start, on_stop=stop,
                      kick_outbox=lambda: background and background[0].outbox.kick(),
                      trusted_proxies=config.trusted_proxies,
                      sealer_heartbeat=Heartbeat.of(config))
