"""`uvicorn --factory onetime.api.server:app`: builds the app from the environment."""

from __future__ import annotations

from onetime.api.app import create_app
from onetime.config import Config
from onetime.service.sealing import Heartbeat
from onetime.service.services import Background, Services, build_context


def app():
    config = Config.from_env()
    ctx = build_context(config)
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
                      sealer_heartbeat=Heartbeat.of(config))
