"""The setup protocol over HTTP (no API key: the activation password is the credential)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from onetime.api import schemas
from onetime.api.auth import services, source_ip
from onetime.api.problems import problem, responses
from onetime.api.responses import JSONResponse
from onetime.service.services import Services

router = APIRouter(prefix="/api/v1/setup", tags=["setup"])
Svc = Annotated[Services, Depends(services)]


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _bad(name: str) -> JSONResponse:
    return problem(422, "invalid_setup_message", "Invalid request", f"{name} is not base64")


@router.post("/start", status_code=201, response_model=schemas.SetupStartOut,
             responses=responses(400, 404, 409, 410, 422),
             summary="初期設定: the app's SPAKE2 message")
def start(body: schemas.SetupStartRequest, svc: Svc, request: Request):
    message = _b64(body.pake)
    if message is None:
        return _bad("pake")
    started = svc.setup.start(body.service_id, body.user_id, message, source_ip(request))
    return JSONResponse({"session_id": started.session_id,
                         "pake": base64.b64encode(started.message).decode()},
                        status_code=201)


@router.post("/finish", response_model=schemas.SetupFinishOut,
             responses=responses(400, 401, 404, 409, 410, 422),
             summary="初期設定: key confirmation, then the sealed token")
def finish(body: schemas.SetupFinishRequest, svc: Svc, request: Request):
    mac = _b64(body.confirm)
    if mac is None:
        return _bad("confirm")
    done = svc.setup.finish(body.session_id, mac, source_ip(request))
    request.app.state.kick_outbox()
    return JSONResponse({"confirm": base64.b64encode(done.server_mac).decode(),
                         "sealed": base64.b64encode(done.sealed).decode()})
