"""The audit anchor: the chain head kept in a file outside the database (DESIGN.md §5).

A chain alone cannot show that its newest entries were cut off, so the sealer records the
head in a file (MACed with the audit key), and `verify_chain` requires the database's head
to be the anchored one. Once entries are sealed the anchor must exist: a missing,
unreadable or older anchor is a failure, which the sealer leaves as it found it, until the
operator starts a new anchor on purpose (`reset_anchor`, audited).

Each sealing round writes the anchor before its commit, naming both the head it chains
from and the head it is about to commit, and again after the commit, naming only the
new head. So a round cut short at any instant leaves the database at one of the heads the
anchor names. Rounds, resets and checks take the anchor's lock, so a check never sees a
round half done.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import NamedTuple

from onetime.files import atomic_write, exclusive
from onetime.service.context import Context

log = logging.getLogger(__name__)
# The sealer warns about a broken anchor at most this often, not once a round.
WARN_EVERY_SECONDS = 60.0
RESET_HINT = ("if you know why (a restored backup, a moved installation), start a new "
              "anchor with `onetime audit verify --new-anchor`")

Head = tuple[int, bytes]  # (seal_seq, seal_hash); (0, b"") before anything is sealed


class Anchor(NamedTuple):
    """The newest head a round committed or is committing, and the head it chained from."""

    seal_seq: int
    seal_hash: bytes
    from_seq: int
    from_hash: bytes

    @classmethod
    def at(cls, head: Head) -> Anchor:
        return cls(head[0], head[1], head[0], head[1])

    def holds(self, head: Head) -> bool:
        return any(seq == head[0] and hmac.compare_digest(mac, head[1])
                   for seq, mac in ((self.seal_seq, self.seal_hash),
                                    (self.from_seq, self.from_hash)))


def head_of(chain_head: tuple[int, bytes | None]) -> Head:
    return chain_head[0], chain_head[1] or b""


@contextmanager
def anchor_lock(ctx: Context) -> Iterator[None]:
    """Hold the anchor's lock: between a round's anchor writes no one else reads or writes it."""
    path = ctx.audit_anchor
    with exclusive(path.with_name(path.name + ".lock")) if path else nullcontext():
        yield


def _mac(ctx: Context, body: dict) -> bytes:
    return ctx.keyring.mac("audit-anchor", json.dumps(body, sort_keys=True).encode())


def write_anchor(ctx: Context, path: Path, anchor: Anchor) -> None:
    """Replace the anchor file whole (fsynced, mode 0600)."""
    body = {"seal_seq": anchor.seal_seq, "seal_hash": anchor.seal_hash.hex()}
    if (anchor.from_seq, anchor.from_hash) != (anchor.seal_seq, anchor.seal_hash):
        body |= {"from_seq": anchor.from_seq, "from_hash": anchor.from_hash.hex()}
    body["mac"] = _mac(ctx, body).hex()
    atomic_write(path, json.dumps(body).encode())


def read_anchor(ctx: Context, path: Path) -> Anchor | None:
    """The anchor, or None if there is no file. Raises ValueError if damaged or forged."""
    try:
        body = json.loads(path.read_text())
        mac = bytes.fromhex(body.pop("mac", ""))
        seq, head = int(body["seal_seq"]), bytes.fromhex(body["seal_hash"])
        # An anchor of an earlier version names one head only.
        from_seq = int(body.get("from_seq", seq))
        from_hash = bytes.fromhex(body.get("from_hash", body["seal_hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"audit anchor {path} is unreadable (damaged or truncated)") from exc
    if not hmac.compare_digest(mac, _mac(ctx, body)):
        raise ValueError(f"audit anchor {path} fails its MAC: forged or edited")
    return Anchor(seq, head, from_seq, from_hash)


def anchor_problem(ctx: Context, head: Head) -> str | None:
    """What is wrong with the anchor given the database's chain `head`; None if nothing.

    The caller holds `anchor_lock`.
    """
    path = ctx.audit_anchor
    if path is None:
        return None
    try:
        anchor = read_anchor(ctx, path)
    except ValueError as exc:
        return str(exc)
    if anchor is None:
        if head[0] == 0:
            return None  # a new installation: nothing sealed, nothing to anchor yet
        return (f"audit anchor {path} is missing while {head[0]} entries are sealed:"
                " deleted, or never kept")
    if anchor.holds(head):
        return None
    if head[0] < anchor.from_seq or (head[0] <= anchor.seal_seq and head[0] != anchor.from_seq):
        return (f"seal {anchor.seal_seq}, the chain head recorded outside the database, is"
                " missing or changed: the newest entries were deleted")
    if head[0] > anchor.seal_seq:
        return (f"audit anchor {path} is older than the chain (anchored seal"
                f" {anchor.seal_seq}, sealed {head[0]}): an older copy was put back, or the"
                " anchor was not kept")
    return (f"seal {head[0]} does not match the audit anchor {path}: the chain or the"
            " anchor was replaced")


class AnchorKeeper:
    """Moves the anchor along with one sealing call; stands aside if it was broken before."""

    _warned_at = float("-inf")

    def __init__(self, ctx: Context, head: Head) -> None:
        self.ctx = ctx
        problem = anchor_problem(ctx, head)
        self.keeping = ctx.audit_anchor is not None and problem is None
        if problem is not None:
            self._warn(problem)

    def committing(self, before: Head, after: Head) -> None:
        """Before the commit that moves the head from `before` to `after`."""
        if self.keeping:
            write_anchor(self.ctx, self.ctx.audit_anchor, Anchor(*after, *before))

    def committed(self, head: Head) -> None:
        if self.keeping:
            write_anchor(self.ctx, self.ctx.audit_anchor, Anchor.at(head))

    @classmethod
    def _warn(cls, problem: str) -> None:
        # Sealing goes on (it protects the entries); the broken anchor stays for verify.
        if time.monotonic() - cls._warned_at >= WARN_EVERY_SECONDS:
            cls._warned_at = time.monotonic()
            log.warning("audit anchor not updated: %s; %s", problem, RESET_HINT)


def reset_anchor(ctx: Context, actor: str) -> Anchor:
    """Start a new anchor at the database's current chain head, and audit that it was done.

    For the operator who knows why the anchor is missing, damaged or older. Raises
    ValueError if no anchor path is configured.
    """
    path = ctx.audit_anchor
    if path is None:
        raise ValueError("no audit anchor is configured")
    with anchor_lock(ctx):
        try:
            old = read_anchor(ctx, path)
            previous = "missing" if old is None else f"seal {old.seal_seq}"
        except ValueError:
            previous = "unreadable"
        # Under the anchor lock no sealer commits, so the head read here stays the head.
        with ctx.db.write() as conn:
            head = head_of(ctx.audit.chain_head(conn))
            ctx.audit.append(conn, at=ctx.clock.now(), institution_id=None,
                             event="audit_anchor_reset", actor=actor,
                             detail={"previous": previous, "seal_seq": head[0]})
        anchor = Anchor.at(head)
        write_anchor(ctx, path, anchor)
    return anchor
