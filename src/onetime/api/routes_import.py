"""POST /api/v1/services/{service_id}/tokens/import: HOTP/TOTP keys from a PSKC document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from onetime.api import documents, schemas
from onetime.api.auth import institution, services, source_ip
from onetime.api.problems import problem, responses
from onetime.api.responses import JSONResponse
from onetime.domain.institutions import Institution
from onetime.service.services import Services

router = APIRouter(prefix="/api/v1/services/{service_id}", tags=["import"])

PSKC_MEDIA_TYPE = "application/pskc+xml"
# RFC 6030 registers application/pskc+xml; plain XML types are what tools often send.
ACCEPTED = frozenset({PSKC_MEDIA_TYPE, "application/xml", "text/xml"})
# RFC 6030's test secret in a one-key document: what a vendor's file looks like.
EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
 <KeyPackage>
  <DeviceInfo><Manufacturer>Example</Manufacturer><SerialNo>987654321</SerialNo>
   <UserId>hanako</UserId></DeviceInfo>
  <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
   <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
   <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>
    <TimeInterval><PlainValue>30</PlainValue></TimeInterval></Data>
  </Key>
 </KeyPackage>
</KeyContainer>
"""
REQUEST_BODY = {
    "required": True,
    "description": "A PSKC document (RFC 6030), at most 16 MiB",
    "content": {PSKC_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"},
                                  "example": EXAMPLE}},
}


@router.post("/tokens/import", response_model=schemas.ImportResult,
             responses=responses(401, 415, 422),
             openapi_extra={"requestBody": REQUEST_BODY},
             summary="Import HOTP and TOTP tokens from a PSKC document")
async def import_tokens(
        request: Request,
        inst: Annotated[Institution, Depends(institution)],
        svc: Annotated[Services, Depends(services)],
        confirmed: Annotated[bool, Query(
            description="start the tokens active instead of activated")] = False,
        pskc_key: Annotated[str | None, Header(
            alias="PSKC-Key", max_length=128,
            description="the pre-shared key of an encrypted document, in hex")] = None,
        pskc_password: Annotated[str | None, Header(
            alias="PSKC-Password", max_length=1024,
            description="the password of a PBKDF2-encrypted document")] = None):
    """Each key is imported or skipped with a reason; an unreadable document imports nothing.

    Async so that it can read the raw body; the import itself (PBKDF2, decryption, the
    transaction) runs on the thread pool like the synchronous routes.
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in ACCEPTED:
        return problem(415, "unsupported_media_type", "Unsupported media type",
                       f"send the document as {PSKC_MEDIA_TYPE}")
    document = await request.body()
    # Header values arrive decoded as Latin-1; encoding back gives the bytes sent, so a
    # UTF-8 password reaches PBKDF2 exactly as the sender's tool encoded it.
    password = pskc_password.encode("latin-1") if pskc_password is not None else None
    result = await run_in_threadpool(
        svc.imports.import_pskc, inst, document, psk_hex=pskc_key, password=password,
        confirmed=confirmed, actor="api", source_ip=source_ip(request))
    return JSONResponse(documents.import_result(result))
