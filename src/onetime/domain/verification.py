"""Which step a code matches, and what that means (DESIGN.md §7 verification answer).

Pure: the caller passes the secret, the time and the token's last accepted step;
single use itself is enforced by storage (a conditional UPDATE), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from onetime.domain.tokens import HOTP_LOOK_AHEAD, Token, TokenKind
from onetime.otp import find_counter, step_at


class Result(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    NOT_ACTIVE = "not_active"


@dataclass(frozen=True)
class Match:
    """The code matched `step`; `replay` when that step was already used up."""

    step: int
    drift: int
    replay: bool


def match_code(token: Token, secret: bytes, code: str, now: datetime, window: int) -> Match | None:
    """The step (TOTP) or counter (HOTP) `code` belongs to, or None for a wrong code.

    Steps at or before the last accepted one are still searched so that a replayed
    code is told apart from a wrong one in the audit; either way it is a failure.
    """
    if token.kind == TokenKind.TOTP:
        current = step_at(now.timestamp(), token.period)
        # Nearest step first, so a code valid in two adjacent steps counts as now.
        offsets = [0] + [o for d in range(1, window + 1) for o in (-d, d)]
        candidates = [current + o for o in offsets]
    else:
        last = -1 if token.last_step is None else token.last_step
        # Look behind too, only to recognise replays of recent counters.
        candidates = list(range(last + 1, last + 1 + HOTP_LOOK_AHEAD))
        candidates += list(range(max(last - HOTP_LOOK_AHEAD + 1, 0), last + 1))
        current = last + 1
    step = find_counter(secret, code, candidates, digits=token.digits, algorithm=token.algorithm)
    if step is None:
        return None
    replay = token.last_step is not None and step <= token.last_step
    return Match(step=step, drift=step - current if token.kind == TokenKind.TOTP else 0,
                 replay=replay)
