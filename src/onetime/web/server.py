"""`uvicorn --factory onetime.web.server:app`: the API and the site on one port.

Like onetime.api.server, with the banking site mounted; the browser tests run it.
"""

from __future__ import annotations

from fastapi import FastAPI

from onetime.api.app import create_app
from onetime.config import Config
from onetime.service.sealing import Heartbeat
from onetime.service.services import Background, Services, build_context
from onetime.web.mount import mount_site


def app() -> FastAPI:
    config = Config.from_env()
    ctx = build_context(config)
    services = Services.from_context(ctx)
    background: list[Background] = []

    def start() -> None:
        background.append(Background.start(ctx, config))

    def stop() -> None:
        for b in background:
            b.stop()
        ctx.db.dispose()

    api = create_app(services, on_start=start, on_stop=stop,
                     kick_outbox=lambda: background and background[0].outbox.kick(),
                     sealer_heartbeat=Heartbeat.of(config))
    mount_site(api, services, config)
    return api
