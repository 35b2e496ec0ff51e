"""When a site session ends because of its user's token (issue 10.6).

A revocation or a suspension ends every session the user had open: whoever holds
one may be the reason for it (a lost phone, someone guessing codes). A session
begun after it goes on, so the user can read who releases a suspension, or issue
a new token after a revocation (rules 8 and 9).
"""

from __future__ import annotations

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
