"""When a site session ends because of its user's token (issue 10.6).

A revocation or a suspension ends every session the user had open: whoever holds
one may be the reason for it (a lost phone, someone guessing codes). A session
begun after it goes on, so the user can read who releases a suspension, or issue
a new token after a revocation (rules 8 and 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onetime.domain.tokens import TokenState

# The token states in which the user completes no protected operation.
ENDING = frozenset({TokenState.REVOKED, TokenState.SUSPENDED})


def outlived(state: TokenState, revoked_at: datetime | None,
             suspended_at: datetime | None, started_at: datetime) -> bool:
    """Whether the token was revoked or suspended after the session began at `started_at`."""
    if state == TokenState.REVOKED:
        return revoked_at is not None and revoked_at > started_at
    if state == TokenState.SUSPENDED:
        return suspended_at is not None and suspended_at > started_at
    return False


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser (customer or branch staff); the server side of its cookie,
    which holds only a random token whose hash is `id`."""

    id: str
    kind: str
    institution_id: int
    principal_id: int
    csrf: str
    data: dict
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
