"""Domain results → JSON-ready dicts (orjson serialises aware datetimes as RFC 3339)."""

from __future__ import annotations

from onetime.domain.audit import AuditEntry
from onetime.domain.confirmations import Confirmation
from onetime.domain.documents import TokenDocument, Verification
from onetime.service.imports import ImportResult


def token_document(doc: TokenDocument) -> dict:
    return {
        "user_id": doc.user_id, "state": doc.state.value, "serial": doc.serial,
        "attempts_left": doc.attempts_left, "issued_at": doc.issued_at,
        "expires_at": doc.expires_at, "activated_at": doc.activated_at,
        "confirmed_at": doc.confirmed_at, "suspended_at": doc.suspended_at,
        "revoked_at": doc.revoked_at, "setup_available_at": doc.setup_available_at,
    }


def verification(answer: Verification) -> dict:
    return {"result": answer.result.value, "attempts_left": answer.attempts_left,
            "state": answer.state.value}


def audit_entry(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": entry.at, "event": entry.event, "user_id": entry.user_id,
            "actor": entry.actor, "operation": entry.operation, "result": entry.result,
            "source_ip": entry.source_ip, "detail": entry.detail}


def import_result(result: ImportResult) -> dict:
    return {"imported": result.imported,
            "tokens": [{"serial": t.serial, "user_id": t.user_id, "state": t.state.value}
                       for t in result.tokens],
            "skipped": [{"serial": k.serial, "reason": k.reason.value}
                        for k in result.skipped]}


def confirmation(request: Confirmation) -> dict:
    """A 取引確認 request: its state and the transaction exactly as it will be booked."""
    return {"id": request.id, "user_id": request.user_id, "serial": request.serial,
            "state": request.state.value, **_details(request),
            "created_at": request.created_at, "expires_at": request.expires_at,
            "decided_at": request.decided_at}


def _details(request: Confirmation) -> dict:
    mapping = request.details.to_mapping()
    return {"operation": mapping["operation"], "payee": mapping.get("payee"),
            "amount": mapping.get("amount"), "count": mapping.get("count"),
            "total": mapping.get("total")}
