"""取引確認 for the banking site (API key): ask, read, book, and check an OCRA response.

The app's side (list, 承認, 否認) is api/routes_app.py, authenticated by the token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from onetime.api import documents, schemas
from onetime.api.auth import institution, services, source_ip
from onetime.api.problems import responses
from onetime.api.responses import JSONResponse
from onetime.api.routes_tokens import UserId
from onetime.domain.institutions import Institution
from onetime.service.services import Services

router = APIRouter(prefix="/api/v1/services/{service_id}/users/{user_id}",
                   tags=["transaction confirmation"])
Inst = Annotated[Institution, Depends(institution)]
Svc = Annotated[Services, Depends(services)]
RequestId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,43}$",
                                description="the ID the service gave the request")]
WITH_BODY = (400, 401, 422)


@router.post("/confirmations", status_code=201, response_model=schemas.ConfirmationOut,
             responses=responses(*WITH_BODY, 403, 409),
             summary="取引確認: ask the user's app to confirm a transaction (5 minutes)")
def create(user_id: UserId, body: schemas.TransactionIn, inst: Inst, svc: Svc,
           request: Request):
    """403 `confirmation_disabled` unless the institution offers online confirmation;
    409 `token_not_active` when the user has no active token to sign with."""
    made = svc.confirmations.create(inst, user_id, body.details(), actor=f"user:{user_id}",
                                    source_ip=source_ip(request))
    return JSONResponse(documents.confirmation(made), status_code=201)


@router.get("/confirmations/{request_id}", response_model=schemas.ConfirmationOut,
            responses=responses(401, 404, 422), summary="A confirmation request as it is now")
def get(user_id: UserId, request_id: RequestId, inst: Inst, svc: Svc):
    """404 `confirmation_not_found` for an unknown ID and for another user's request."""
    return JSONResponse(documents.confirmation(svc.confirmations.get(inst, user_id,
                                                                     request_id)))


@router.post("/confirmations/{request_id}/execution", response_model=schemas.ConfirmationOut,
             responses=responses(*WITH_BODY, 404, 409),
             summary="Book a confirmed transaction, with exactly the details confirmed")
def execute(user_id: UserId, request_id: RequestId, body: schemas.TransactionIn, inst: Inst,
            svc: Svc, request: Request):
    """Once: confirmed → executed. Other details void the request (409
    `confirmation_voided`); a request not confirmed, or booked already, is 409
    `confirmation_not_pending`."""
    done = svc.confirmations.execute(inst, user_id, request_id, body.details(),
                                     actor=f"user:{user_id}", source_ip=source_ip(request))
    return JSONResponse(documents.confirmation(done))


@router.post("/ocra-verifications", response_model=schemas.VerificationOut,
             responses=responses(*WITH_BODY, 403),
             summary="Offline 取引確認: the app's OCRA response to the account number")
def verify_ocra(user_id: UserId, body: schemas.OcraRequest, inst: Inst, svc: Svc,
                request: Request):
    """A verification answer, under the rules of a code: each minute's response once, a
    wrong one counts toward suspension. 403 `confirmation_disabled` unless the institution
    offers offline confirmation."""
    answer = svc.confirmations.verify_ocra(inst, user_id, body.challenge, body.response,
                                           source_ip=source_ip(request))
    if answer.state.value == "suspended":
        request.app.state.kick_outbox()
    return JSONResponse(documents.verification(answer))
