"""The FastAPI application factory for the OTP service."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from onetime import __version__
from onetime.api import (
    openapi,
    problems,
    routes_app,
    routes_audit,
    routes_confirmations,
    routes_health,
    routes_import,
    routes_metrics,
    routes_setup,
    routes_tokens,
    schemas,
)
from onetime.api.access import AccessLog
from onetime.api.fastpath import VerificationFastPath
from onetime.api.forwarded import ClientAddress, Network
from onetime.api.limits import BodyLimit
from onetime.api.problems import responses
from onetime.api.responses import JSONResponse
from onetime.observe import metrics
from onetime.service.monitoring import PoolSampler
from onetime.service.sealing import Heartbeat
from onetime.service.services import Services

NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


class OnetimeAPI(FastAPI):
    """FastAPI with the verification fast path in front of everything (api/fastpath.py).

    In front of Starlette's middleware stack, not in it: each layer of it costs every
    verification a coroutine and a wrapped `send`, for work the fast path does itself.
    """

    fast_path: VerificationFastPath | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.fast_path is not None:
            await self.fast_path(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def behind_fast_path(self, scope, receive, send) -> None:
        await super().__call__(scope, receive, send)


def create_app(services: Services, *, on_start: Callable[[], object] | None = None,
               on_stop: Callable[[], object] | None = None,
               kick_outbox: Callable[[], None] = lambda: None,
               trusted_proxies: Iterable[Network] = (), fast_path: bool = True,
               sealer_heartbeat: Heartbeat | None = None) -> FastAPI:
    """Build the API around `services`; on_start/on_stop run the background threads.

    `trusted_proxies` may name the client in X-Forwarded-For (api/forwarded.py);
    `fast_path=False` leaves every verification to the FastAPI route (the parity test);
    `sealer_heartbeat`: the dedicated sealer's, for /readyz (None: there is none).
    """
    trusted_proxies = tuple(trusted_proxies)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if on_start:
            on_start()
        app.state.pool_sampler = PoolSampler(services.ctx).start()
        yield
        app.state.pool_sampler.stop()
        if on_stop:
            on_stop()
        await services.ctx.db.dispose_loop_connections()
        metrics.forget_this_process()

    app = OnetimeAPI(title="onetime OTP service", version=__version__,
                     description="One-time passwords for business internet banking (API v1).",
                     default_response_class=JSONResponse, lifespan=lifespan,
                     # FastAPI's OpenTelemetry hooks ask on every request whether a provider
                     # is configured (issue 15's profile); none is, and /metrics is ours.
                     telemetry=NO_TELEMETRY)
    app.state.services = services
    app.state.kick_outbox = kick_outbox
    app.state.sealer_heartbeat = sealer_heartbeat
    app.state.pool_sampler = None  # started with the app (lifespan)
    problems.install(app)
    openapi.install(app)
    app.include_router(routes_tokens.router)
    app.include_router(routes_import.router)
    app.include_router(routes_audit.router)
    app.include_router(routes_setup.router)
    app.include_router(routes_confirmations.router)
    app.include_router(routes_app.router)
    app.include_router(routes_health.router)
    app.include_router(routes_metrics.router)

    @app.get("/api/v1/time", response_model=schemas.TimeOut, tags=["setup"],
             responses=responses(), summary="The service's clock, for the app's 時刻確認")
    async def server_time():
        now = services.ctx.clock.now()
        return JSONResponse({"now": now.isoformat(timespec="milliseconds"),
                             "epoch": round(now.timestamp(), 3)})

    @app.get("/api/v1/noop", include_in_schema=False)
    async def noop():
        # The benchmark's ceiling: the same server, no database, no crypto.
        return JSONResponse({"ok": True})

    if fast_path:
        app.fast_path = VerificationFastPath(
            app.behind_fast_path, services, trusted_proxies=trusted_proxies,
            kick_outbox=lambda: app.state.kick_outbox())
    app.add_middleware(BodyLimit)
    # Inside ClientAddress, so the line names the client it found.
    app.add_middleware(AccessLog)
    # Outermost of the stack: the routes and a mounted site see the same client (the
    # fast path in front of the stack finds it with the same `forwarded.resolved`).
    app.add_middleware(ClientAddress, trusted=trusted_proxies)
    return app
