"""Key rotation: a new active key, then every ciphertext re-encrypted under it, online.

Servers keep running: new writes pick up the new key once their key provider sees
the file change, and each re-wrap is a conditional UPDATE that skips a row which
changed meanwhile (it is picked up on the next pass).
"""

from __future__ import annotations

from collections.abc import Callable

from onetime.domain.tokens import secret_aad
from onetime.service.context import Context
from onetime.setup.protocol import activation_aad

BATCH = 500


def rotate(ctx: Context, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """Add a key, make it active and re-wrap every secret. Returns (new key id, rows)."""
    new_key = ctx.keyring.add_key()
    moved = rewrap_all(ctx, progress)
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        ctx.audit.append(conn, at=now, institution_id=None, event="keys_rotated",
                         actor="operator", detail={"key_id": new_key, "rewrapped": moved})
    return new_key, moved


def rewrap_all(ctx: Context, progress: Callable[[int], None] | None = None) -> int:
    moved = 0
    passes = 0
    while passes < 1000:  # bounded: each pass makes progress or ends the loop
        passes += 1
        active = ctx.keyring.active_key_id()
        with ctx.db.write() as conn:
            rows = ctx.tokens.secrets_not_under(conn, active, BATCH)
            for row in rows:
                m = row._mapping
                if m["secret_key_id"] and m["secret_key_id"] != active:
                    aad = secret_aad(m["institution_id"], m["user_id"], m["serial"])
                    key_id, blob = ctx.keyring.rewrap(m["secret_key_id"], m["secret_blob"], aad)
                    moved += ctx.tokens.rewrap(conn, m["id"], "secret", m["secret_key_id"],
                                               key_id, blob)
                if m["activation_key_id"] and m["activation_key_id"] != active:
                    aad = activation_aad(m["institution_id"], m["user_id"], m["serial"])
                    key_id, blob = ctx.keyring.rewrap(m["activation_key_id"],
                                                      m["activation_blob"], aad)
                    moved += ctx.tokens.rewrap(conn, m["id"], "activation",
                                               m["activation_key_id"], key_id, blob)
        if progress:
            progress(moved)
        if not rows:
            break
    return moved
