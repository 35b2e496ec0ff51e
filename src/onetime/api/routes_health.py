"""/healthz (the process answers) and /readyz (it can serve: database, schema, key file,
sealer; `failed` names the checks that fail): for load balancers and orchestrators,
outside the versioned API and its OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Request

from onetime.api.responses import JSONResponse
from onetime.service.health import readiness

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    # A plain def: FastAPI runs it in the thread pool, as the database check blocks.
    state = request.app.state
    ready = readiness(state.services.ctx, state.sealer_heartbeat)
    return JSONResponse({"status": "ready" if ready.ready else "unavailable",
                         "checks": {"database": ready.database,
                                    "migrations": ready.migrations, "keys": ready.keys,
                                    "sealer": ready.sealer},
                         "failed": ready.failed},
                        status_code=200 if ready.ready else 503, headers=NO_STORE)
