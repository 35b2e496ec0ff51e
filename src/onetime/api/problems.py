"""Domain errors and invalid requests → RFC 9457 problem documents, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import ORJSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from onetime.domain import errors as e

PROBLEM = "application/problem+json"

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
}
FIELD_ORDER = list(FIELD_CODES)


def problem(status: int, code: str, title: str, detail: str, **extra) -> ORJSONResponse:
    body = {"type": f"/problems/{code}", "title": title, "status": status, "code": code,
            "detail": detail, **extra}
    return ORJSONResponse(body, status_code=status, media_type=PROBLEM)


def _status(error: e.OnetimeError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def from_error(error: e.OnetimeError) -> ORJSONResponse:
    if isinstance(error, e.UnknownInstitution):
        error = e.InvalidApiKey("missing or invalid API key")
    extra: dict = {}
    if isinstance(error, e.SetupEmbargoed):
        extra["setup_available_at"] = error.available_at.isoformat()
    if isinstance(error, e.SetupFailed):
        extra["attempts_left"] = error.attempts_left
    return problem(_status(error), error.code, error.title, error.detail, **extra)


def from_validation(exc: RequestValidationError) -> ORJSONResponse:
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
    message = str(err.get("msg", "invalid value"))
    return problem(422, code, "Invalid request", f"{name}: {message}"[:300])


def install(app: FastAPI) -> None:
    @app.exception_handler(e.OnetimeError)
    async def _domain(_request: Request, exc: e.OnetimeError):
        return from_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        return from_validation(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large",
                 415: "unsupported_media_type"}
        code = codes.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, code.replace("_", " ").capitalize(),
                       str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        # Never a stack trace to the client; the log has it (without request bodies).
        import logging
        logging.getLogger("onetime.api").error("unexpected error", exc_info=exc)
        return problem(500, "internal_error", "Internal error", "an unexpected error occurred")
