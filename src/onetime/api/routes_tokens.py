"""Token endpoints under /api/v1/services/{service_id}/users/{user_id}."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from onetime.api import documents, schemas
from onetime.api.auth import institution, services, source_ip
from onetime.api.problems import responses
from onetime.api.responses import JSONResponse
from onetime.domain.institutions import Institution
from onetime.observe import metrics
from onetime.service.services import Services

router = APIRouter(prefix="/api/v1/services/{service_id}/users/{user_id}", tags=["tokens"])

UserId = Annotated[str, Path(pattern=schemas.USER_ID, examples=["taro"],
                             description="1-64 of A-Z a-z 0-9 . _ @ -, the first a letter or"
                                         " digit")]
Inst = Annotated[Institution, Depends(institution)]
Svc = Annotated[Services, Depends(services)]

# A JSON body can be malformed (400); every route checks the key (401) and user_id (422).
WITH_BODY = (400, 401, 422)


@router.post("/token", status_code=201, response_model=schemas.TokenDocumentOut,
             responses=responses(*WITH_BODY, 409), summary="Issue a token (トークン発行)")
def issue_token(user_id: UserId, body: schemas.IssueRequest, inst: Inst, svc: Svc,
                request: Request):
    doc = svc.tokens.issue_token(inst, user_id, body.email, body.activation_password,
                                 actor=f"user:{user_id}", source_ip=source_ip(request))
    request.app.state.kick_outbox()
    return JSONResponse(documents.token_document(doc), status_code=201)


@router.get("/token", response_model=schemas.TokenDocumentOut, responses=responses(401, 422),
            summary="The user's token as it is now")
def get_token(user_id: UserId, inst: Inst, svc: Svc):
    return JSONResponse(documents.token_document(svc.tokens.get_token(inst, user_id)))


@router.post("/token/confirmation", response_model=schemas.VerificationOut,
             responses=responses(*WITH_BODY),
             summary="Authentication confirmation (ワンタイムパスワード認証確認)")
def confirm(user_id: UserId, body: schemas.ConfirmRequest, inst: Inst, svc: Svc,
            request: Request):
    answer = svc.tokens.confirm(inst, user_id, body.code, source_ip=source_ip(request))
    return JSONResponse(documents.verification(answer))


@router.post("/verifications", response_model=schemas.VerificationOut,
             responses=responses(*WITH_BODY),
             summary="Verify a code for an operation")
async def verify(user_id: UserId, body: schemas.VerifyRequest, inst: Inst, svc: Svc,
                 request: Request):
    started = time.perf_counter()  # after the body was read, unlike the fast path's
    answer = await svc.ctx.db.call(svc.tokens.verify, inst, user_id, body.code,
                                  body.operation, source_ip=source_ip(request))
    if answer.state.value == "suspended":
        request.app.state.kick_outbox()
    metrics.verification_latency(time.perf_counter() - started)
    return JSONResponse(documents.verification(answer))


@router.post("/token/release", response_model=schemas.TokenDocumentOut,
             responses=responses(*WITH_BODY, 409),
             summary="Release a suspension (利用停止解除)")
def release(user_id: UserId, body: schemas.ActorRequest, inst: Inst, svc: Svc,
            request: Request):
    doc = svc.tokens.release(inst, user_id, actor=body.actor, reason=body.reason,
                             source_ip=source_ip(request))
    request.app.state.kick_outbox()
    return JSONResponse(documents.token_document(doc))


@router.post("/token/revocation", response_model=schemas.TokenDocumentOut,
             responses=responses(*WITH_BODY, 409), summary="Revoke the token (トークンの失効)")
def revoke(user_id: UserId, body: schemas.ActorRequest, inst: Inst, svc: Svc,
           request: Request):
    doc = svc.tokens.revoke(inst, user_id, actor=body.actor, reason=body.reason,
                            source_ip=source_ip(request))
    request.app.state.kick_outbox()
    return JSONResponse(documents.token_document(doc))


@router.post("/token/issuance-reset", response_model=schemas.TokenDocumentOut,
             responses=responses(*WITH_BODY, 404),
             summary="End an issuance waiting for setup, without embargo (発行のやり直し)")
def reset_issuance(user_id: UserId, body: schemas.ActorRequest, inst: Inst, svc: Svc,
                   request: Request):
    """An issued, or set-up but unconfirmed, token expires now, so the user may issue
    again at once (a forgotten activation password, a lost mail): what a branch does.
    404 `no_issuance` when no issuance is waiting."""
    doc = svc.tokens.void_issuance(inst, user_id, actor=body.actor, reason=body.reason,
                                   source_ip=source_ip(request))
    return JSONResponse(documents.token_document(doc))
