"""Domain errors and invalid requests → RFC 9457 problem documents, in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from onetime.api.responses import JSONResponse
from onetime.api.schemas import Problem
from onetime.domain import errors as e

PROBLEM = "application/problem+json"
log = logging.getLogger("onetime.api")

STATUS: dict[type[e.OnetimeError], int] = {
    e.InvalidInput: 422,
    e.InvalidApiKey: 401,
    e.UnknownInstitution: 401,
    e.InstitutionExists: 409,
    e.TokenExists: 409,
    e.SetupEmbargoed: 409,
    e.TokenNotSuspended: 409,
    e.TokenNotFound: 409,
    e.NoIssuance: 404,
    e.IssuanceExpired: 410,
    e.SetupFailed: 401,
    e.SetupSessionInvalid: 409,
    e.InvalidPskc: 422,
    e.ConfirmationDisabled: 403,
    e.ConfirmationTokenNotActive: 409,
    e.ConfirmationNotFound: 404,
    e.ConfirmationNotPending: 409,
    e.ConfirmationExpired: 410,
    e.ConfirmationVoided: 409,
    e.BadSignature: 403,
    e.InvalidAppAuth: 401,
}

# Which problem code a schema error on each request field becomes.
FIELD_CODES = {
    "user_id": "invalid_user_id",
    "code": "invalid_code_format",
    "operation": "invalid_operation",
    "email": "invalid_email",
    "activation_password": "invalid_activation_password",
    "actor": "invalid_actor",
    "reason": "invalid_reason",
    "limit": "invalid_limit",
    "since": "invalid_time",
    "until": "invalid_time",
    "cursor": "invalid_cursor",
    "event": "invalid_event",
    "confirmed": "invalid_request",
    "pake": "invalid_setup_message",
    "confirm": "invalid_setup_message",
    "session_id": "invalid_setup_message",
    "service_id": "invalid_service_id",
    "payee": "invalid_confirmation",
    "amount": "invalid_confirmation",
    "count": "invalid_confirmation",
    "total": "invalid_confirmation",
    "bank_code": "invalid_confirmation",
    "bank_name": "invalid_confirmation",
    "branch_code": "invalid_confirmation",
    "branch_name": "invalid_confirmation",
    "account_type": "invalid_confirmation",
    "account_number": "invalid_confirmation",
    "account_name": "invalid_confirmation",
    "challenge": "invalid_confirmation",
    "response": "invalid_code_format",
    "signature": "invalid_signature",
    # A key or password no document could use is as wrong as one that fails to decrypt.
    "PSKC-Key": "invalid_pskc",
    "PSKC-Password": "invalid_pskc",
}
FIELD_ORDER = list(FIELD_CODES)
# What a pattern means, said to a human instead of the regular expression.
PATTERN_DETAILS = {
    "user_id": "user_id: 1-64 of A-Z a-z 0-9 . _ @ -, the first a letter or digit",
    "service_id": "service_id: 1-32 of A-Z a-z 0-9 . _ -, the first a letter or digit",
    "email": "email is not a valid e-mail address",
    "activation_password": "activation_password must be 4-16 digits 0-9",
    "actor": "actor must not contain control characters",
    "reason": "reason must not contain control characters other than tab and line breaks",
    "event": "event is an event name such as code_verified",
    "session_id": "session_id is not a setup session ID",
}


def problem(status: int, code: str, title: str, detail: str, *,
            headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = {"type": f"/problems/{code}", "title": title, "status": status, "code": code,
            "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def responses(*codes: int) -> dict[int | str, dict]:
    """OpenAPI entries for the problem documents an operation can answer.

    Every operation can answer 413 (the body limit applies before routing) and 503 (the
    database unavailable). The media type is set to application/problem+json for all of
    them in api/openapi.py.
    """
    return {code: {"model": Problem} for code in sorted({*codes, 413, 503})}


def _status(error: e.OnetimeError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def unavailable(error: e.ServiceUnavailable) -> JSONResponse:
    """503 with Retry-After: the database is locked, refused or lost the connection."""
    log.warning("database unavailable: %s", type(error.__cause__).__name__)
    return problem(503, error.code, error.title, error.detail,
                   headers={"Retry-After": str(error.retry_after)})


def from_error(error: e.OnetimeError) -> JSONResponse:
    if isinstance(error, e.UnknownInstitution):
        error = e.InvalidApiKey("missing or invalid API key")
    extra: dict = {}
    if isinstance(error, e.InvalidApiKey):
        # RFC 9110 §15.5.2: a 401 names the scheme it wants.
        extra["headers"] = {"WWW-Authenticate": "Bearer"}
    if isinstance(error, e.InvalidAppAuth):
        extra["headers"] = {"WWW-Authenticate": "OnetimeToken"}
    if isinstance(error, e.SetupEmbargoed):
        extra["setup_available_at"] = error.available_at.isoformat()
    if isinstance(error, e.SetupFailed):
        extra["attempts_left"] = error.attempts_left
    return problem(_status(error), error.code, error.title, error.detail, **extra)


def from_validation(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid" or loc in (("body",), ()):
            return problem(400, "malformed_request", "Malformed request",
                           "the body must be a JSON object")
    fields = [(str(err["loc"][-1]) if err.get("loc") else "", err) for err in errors]
    fields.sort(key=lambda f: FIELD_ORDER.index(f[0]) if f[0] in FIELD_ORDER else 99)
    name, err = fields[0]
    code = FIELD_CODES.get(name, "invalid_request")
    if err.get("type") == "string_pattern_mismatch" and name in PATTERN_DETAILS:
        return problem(422, code, "Invalid request", PATTERN_DETAILS[name])
    message = str(err.get("msg", "invalid value"))
    return problem(422, code, "Invalid request", f"{name}: {message}"[:300])


def install(app: FastAPI) -> None:
    @app.exception_handler(e.ServiceUnavailable)
    async def _unavailable(_request: Request, exc: e.ServiceUnavailable):
        return unavailable(exc)

    @app.exception_handler(e.OnetimeError)
    async def _domain(_request: Request, exc: e.OnetimeError):
        return from_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        return from_validation(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        # 400 is FastAPI's "error parsing the body" (e.g. a body that is not UTF-8).
        codes = {400: "malformed_request", 404: "not_found", 405: "method_not_allowed",
                 413: "request_too_large", 415: "unsupported_media_type"}
        code = codes.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, code.replace("_", " ").capitalize(),
                       str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        return internal_error(exc)


def internal_error(exc: Exception) -> JSONResponse:
    """500 for a bug: never a stack trace to the client; the log has it (no request body)."""
    log.error("unexpected error", exc_info=exc)
    return problem(500, "internal_error", "Internal error", "an unexpected error occurred")
