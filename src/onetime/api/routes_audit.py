"""GET /api/v1/services/{service_id}/audit: the institution's audit trail, oldest first."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import ORJSONResponse
from pydantic import AwareDatetime

from onetime.api import documents, schemas
from onetime.api.auth import institution, services
from onetime.api.problems import problem
from onetime.service.services import Services
from onetime.storage.institutions import Institution

router = APIRouter(prefix="/api/v1/services/{service_id}", tags=["audit"])


def _cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{entry_id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text[1:]) if text.startswith("a") else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@router.get("/audit", response_model=schemas.AuditPage,
            responses={c: {"model": schemas.Problem} for c in (401, 422)})
def audit(inst: Annotated[Institution, Depends(institution)],
          svc: Annotated[Services, Depends(services)],
          user_id: Annotated[str | None, Query(max_length=64)] = None,
          event: Annotated[str | None, Query(max_length=32)] = None,
          since: Annotated[AwareDatetime | None, Query()] = None,
          until: Annotated[AwareDatetime | None, Query()] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          cursor: Annotated[str | None, Query(max_length=64)] = None):
    after = _after(cursor)
    if after is None:
        return problem(422, "invalid_cursor", "Invalid request", "cursor is not valid")
    ctx = svc.ctx
    with ctx.db.read() as conn:
        entries = ctx.audit.page(conn, inst.id, after_id=after, limit=limit + 1,
                                 user_id=user_id, event=event, since=since, until=until)
    more = len(entries) > limit
    entries = entries[:limit]
    return ORJSONResponse({
        "entries": [documents.audit_entry(e) for e in entries],
        "next_cursor": _cursor(entries[-1].id) if more else None,
    })
