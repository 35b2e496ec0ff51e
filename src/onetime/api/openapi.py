"""The OpenAPI document as clients (and the contract fuzz test) read it.

FastAPI writes every response under the route's media type and adds its own 422
schema; the service answers every error as application/problem+json with the
Problem schema. This module makes the document say so, and declares the API key.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SECURITY_SCHEME = "apiKey"
APP_SCHEME = "tokenMac"
# FastAPI's validation error schemas: the service never answers with them.
UNUSED = ("HTTPValidationError", "ValidationError")
DESCRIPTIONS = {
    400: "Malformed JSON, or JSON that is not an object (malformed_request)",
    401: "Missing, wrong or foreign API key, or unknown service ID (invalid_api_key)",
    404: "Not found",
    409: "Conflict with the token's state",
    410: "Gone",
    413: "Body over 64 KiB, 16 MiB for PSKC import (request_too_large)",
    415: "Unsupported media type",
    422: "A value breaks its format; `code` names which",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
            _problems_everywhere(spec)
            _security(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(spec: dict):
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            yield path, method, operation


def _problems_everywhere(spec: dict) -> None:
    for _path, _method, operation in _operations(spec):
        for status, response in operation.get("responses", {}).items():
            if status.isdigit() and int(status) >= 400:
                response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
                response["description"] = DESCRIPTIONS.get(int(status),
                                                           response.get("description", ""))
    schemas = spec.get("components", {}).get("schemas", {})
    for name in UNUSED:
        schemas.pop(name, None)


def _security(spec: dict) -> None:
    components = spec.setdefault("components", {})
    components["securitySchemes"] = {SECURITY_SCHEME: {
        "type": "http", "scheme": "bearer",
        "description": "The institution's API key: Authorization: Bearer <key>"},
        APP_SCHEME: {
            "type": "apiKey", "in": "header", "name": "X-Onetime-Mac",
            "description": "The token app (取引確認), no API key: X-Onetime-Serial, "
                           "X-Onetime-Time (Unix ms, later than the last) and X-Onetime-Mac, "
                           "base64 HMAC-SHA256 under a key derived from the token's secret "
                           "(docs/transaction-confirmation.md)"}}
    for path, _method, operation in _operations(spec):
        if "/users/{user_id}/app/" in path:
            operation["security"] = [{APP_SCHEME: []}]
        elif path.startswith("/api/v1/services/"):
            operation["security"] = [{SECURITY_SCHEME: []}]
