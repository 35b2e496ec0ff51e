"""An audit entry as the trail holds it, and the bytes its seal covers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    institution_id: int | None
    event: str
    user_id: str | None
    actor: str | None
    operation: str | None
    result: str | None
    source_ip: str | None
    detail: dict | None
    seal_seq: int | None = None
    seal_hash: bytes | None = None

    def canonical(self) -> bytes:
        """The bytes the chain MAC covers: every column but the seal itself."""
        return json.dumps(
            [self.id, self.at.isoformat(), self.institution_id, self.event, self.user_id,
             self.actor, self.operation, self.result, self.source_ip, self.detail],
            ensure_ascii=False, sort_keys=True, separators=(",", ":"),
        ).encode()
