"""取引確認 for the token app: list, 承認, 否認. No API key lives in an app: each request
carries its token's serial, the time and a MAC under a key derived from the token's
secret (setup/token_keys.py); the service takes each time once (no replay).

Headers: `X-Onetime-Serial`, `X-Onetime-Time` (Unix milliseconds), `X-Onetime-Mac`
(base64 HMAC-SHA256 of method, path, time and the body's SHA-256).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from onetime.api import documents, schemas
from onetime.api.auth import services, source_ip
from onetime.api.problems import problem, responses
from onetime.api.responses import JSONResponse
from onetime.api.routes_confirmations import RequestId
from onetime.api.routes_tokens import UserId
from onetime.domain.errors import InvalidAppAuth
from onetime.service.confirmations import AppRequest, AppSession
from onetime.service.services import Services

router = APIRouter(prefix="/api/v1/services/{service_id}/users/{user_id}/app",
                   tags=["transaction confirmation (app)"])
Svc = Annotated[Services, Depends(services)]
AUTH = (401, 422)


async def app_session(request: Request, service_id: str, user_id: str) -> AppSession:
    """The token behind the request. Raises InvalidAppAuth for every failure alike."""
    headers = request.headers
    try:
        serial = headers["x-onetime-serial"]
        timestamp_ms = int(headers["x-onetime-time"])
        mac = base64.b64decode(headers["x-onetime-mac"], validate=True)
    except (KeyError, ValueError, binascii.Error):
        raise InvalidAppAuth("missing or malformed token authentication") from None
    svc: Services = request.app.state.services
    sent = AppRequest(service_id=service_id, user_id=user_id, serial=serial[:40],
                      timestamp_ms=timestamp_ms, mac=mac, method=request.method,
                      path=request.url.path, body=await request.body())
    return await svc.ctx.db.call(svc.confirmations.authenticate_app, sent)


Session = Annotated[AppSession, Depends(app_session)]


@router.get("/confirmations", response_model=schemas.ConfirmationList,
            responses=responses(*AUTH), summary="取引確認: the requests waiting for this token")
def pending(user_id: UserId, session: Session, svc: Svc):
    return JSONResponse({"confirmations": [documents.confirmation(r)
                                           for r in svc.confirmations.pending(session)]})


@router.post("/confirmations/{request_id}/approval", response_model=schemas.ConfirmationOut,
             responses=responses(400, *AUTH, 403, 404, 409, 410),
             summary="承認: the signature of the request's canonical encoding")
def approve(user_id: UserId, request_id: RequestId, body: schemas.ApprovalRequest,
            session: Session, svc: Svc, request: Request):
    """403 `bad_signature` (nothing written); 409 `confirmation_not_pending` for a request
    decided already (a replayed signature); 410 `confirmation_expired` after 5 minutes;
    404 `confirmation_not_found`, also for another user's request."""
    try:
        signature = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError):
        return problem(422, "invalid_signature", "Invalid request", "signature is not base64")
    done = svc.confirmations.confirm(session, request_id, signature,
                                     source_ip=source_ip(request))
    return JSONResponse(documents.confirmation(done))


@router.post("/confirmations/{request_id}/rejection", response_model=schemas.ConfirmationOut,
             responses=responses(*AUTH, 404, 409, 410), summary="否認: the user refuses")
def reject(user_id: UserId, request_id: RequestId, session: Session, svc: Svc,
           request: Request):
    done = svc.confirmations.reject(session, request_id, source_ip=source_ip(request))
    return JSONResponse(documents.confirmation(done))
