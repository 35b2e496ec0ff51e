"""GET /api/v1/services/{service_id}/audit: the institution's audit trail, oldest first."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from onetime.api import documents, schemas
from onetime.api.auth import institution, services
from onetime.api.problems import problem, responses
from onetime.api.responses import JSONResponse
from onetime.domain.institutions import Institution
from onetime.service.services import Services

router = APIRouter(prefix="/api/v1/services/{service_id}", tags=["audit"])

# Entry ids are 64-bit; a cursor naming a larger one is not one we handed out.
MAX_ID = 2**63 - 1


def _cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{entry_id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int | None:
    """The entry id a cursor continues after (0 without one); None for a cursor not ours."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    digits = text[1:]
    if not text.startswith("a") or not (digits.isascii() and digits.isdigit()):
        return None
    after = int(digits)
    return after if after <= MAX_ID else None


def _utc(value: datetime | None) -> datetime | None:
    """Raises OverflowError for an instant outside the years 1-9999 once in UTC."""
    return value.astimezone(UTC) if value is not None else None


@router.get("/audit", response_model=schemas.AuditPage, responses=responses(401, 422),
            summary="The audit trail, oldest first")
def audit(inst: Annotated[Institution, Depends(institution)],
          svc: Annotated[Services, Depends(services)],
          user_id: Annotated[str | None, Query(pattern=schemas.USER_ID)] = None,
          event: Annotated[str | None, Query(pattern=r"^[a-z][a-z_]{0,31}$",
                                             examples=["code_verified"])] = None,
          since: Annotated[AwareDatetime | None, Query(
              description="inclusive; RFC 3339 with an offset")] = None,
          until: Annotated[AwareDatetime | None, Query(
              description="exclusive; RFC 3339 with an offset")] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          cursor: Annotated[str | None, Query(max_length=64)] = None):
    after = _after(cursor)
    if after is None:
        return problem(422, "invalid_cursor", "Invalid request", "cursor is not valid")
    try:
        since, until = _utc(since), _utc(until)
    except OverflowError:
        return problem(422, "invalid_time", "Invalid request", "since or until is out of range")
    ctx = svc.ctx
    with ctx.db.read() as conn:
        entries = ctx.audit.page(conn, inst.id, after_id=after, limit=limit + 1,
                                 user_id=user_id, event=event, since=since, until=until)
    more = len(entries) > limit
    entries = entries[:limit]
    return JSONResponse({
        "entries": [documents.audit_entry(e) for e in entries],
        "next_cursor": _cursor(entries[-1].id) if more else None,
    })
