"""API keys: `Authorization: Bearer <key>` for the institution named in the path."""

from __future__ import annotations

from fastapi import Request

from onetime.domain.errors import InvalidApiKey
from onetime.domain.institutions import Institution
from onetime.domain.values import SERVICE_ID_PATTERN
from onetime.service.services import Services


async def services(request: Request) -> Services:
    # Async, like `institution`: FastAPI runs a sync dependency in the thread pool.
    return request.app.state.services


async def institution(request: Request, service_id: str) -> Institution:
    """Raises InvalidApiKey for a missing, wrong or foreign key and for unknown service IDs.

    Async on purpose: a sync dependency costs a thread hop on every request, and this
    one reads a cache that is refreshed from the database at most every 2 seconds,
    through Database.call, so that refresh does not stop the event loop.
    """
    services = request.app.state.services
    return await services.ctx.db.call(authenticate, services, service_id,
                                      request.headers.get("authorization", ""))


def authenticate(services: Services, service_id: str, authorization: str) -> Institution:
    """The institution whose key the Authorization header carries. Raises InvalidApiKey."""
    if not SERVICE_ID_PATTERN.fullmatch(service_id):
        # No institution can have it (and PostgreSQL refuses some, e.g. NUL): unknown.
        raise InvalidApiKey("missing or invalid API key")
    scheme, _, key = authorization.partition(" ")
    presented = key.strip() if scheme.lower() == "bearer" else None
    return services.institutions.authenticate(service_id, presented)


def source_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
