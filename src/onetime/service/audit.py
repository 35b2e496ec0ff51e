"""Sealing the audit trail into a MAC chain, and checking it (DESIGN.md §5).

Entries are written unsealed inside the transaction they record. The sealer then
takes committed entries in id order, numbers them (seal_seq 1, 2, 3 …) and sets
seal_hash = HMAC(audit key, previous seal_hash ‖ seal_seq ‖ entry). The key lives
in the key file, not the database, so someone who can only write the database
cannot re-forge the chain after editing it.

A chain alone cannot show that its newest entries were cut off. So each sealing
round also writes the head (seal_seq, seal_hash) to an anchor file beside the key
file, outside the database; `verify_chain` checks that the database still holds it.

Which process seals, and how often: sealing.py.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from onetime.files import atomic_write
from onetime.service.context import Context
from onetime.storage.audit import AuditEntry

GENESIS = b"\x00" * 32
# The name of the lock that elects one sealer among all processes (Database.exclusive).
ELECTION = "audit-sealer"
# Small batches: on SQLite the write that stores them holds up every verification.
SEAL_BATCH = 200
# Bounds the retries when other sealers keep moving the chain head first.
SEAL_RETRIES = 100


def chain_mac(ctx: Context, previous: bytes, seq: int, entry: AuditEntry) -> bytes:
    return link_mac(ctx, previous, seq, entry.canonical())


def link_mac(ctx: Context, previous: bytes, seq: int, canonical: bytes) -> bytes:
    """The seal of the entry whose `canonical()` bytes are given, at `seq` after `previous`."""
    return ctx.keyring.mac("audit-chain", previous + seq.to_bytes(8, "big") + canonical)


def seal_pending(ctx: Context, limit: int = 50_000) -> int:
    """Seal committed entries if elected; returns how many. Only one sealer writes at a time."""
    with ctx.db.exclusive(ELECTION) as elected:
        # Another process is sealing: computing the same MACs only to discard them would
        # take CPU (and the GIL) from this process's requests.
        return seal_elected(ctx, limit) if elected else 0


def seal_elected(ctx: Context, limit: int = 50_000) -> int:
    """Seal committed entries; returns how many. The caller holds the ELECTION.

    A batch is read and its MACs computed outside the write transaction, which then only
    checks that the chain head is still the one the batch was chained on (else another
    sealer went first, and the batch is chained again from the new head) and stores the
    seals: on SQLite that transaction stops every verification while it lasts.
    """
    total = retries = 0
    sealed_head: tuple[int, bytes] | None = None
    while total < limit and retries < SEAL_RETRIES:
        with ctx.db.read() as conn:
            head = ctx.audit.chain_head(conn)
            batch = ctx.audit.unsealed_canonical(conn, SEAL_BATCH)
        if not batch:
            break
        seq, previous = head[0], head[1] or GENESIS
        seals = []
        for entry_id, canonical in batch:
            seq += 1
            previous = link_mac(ctx, previous, seq, canonical)
            seals.append((entry_id, seq, previous))
        with ctx.db.write() as conn:
            if not ctx.audit.try_lock_sealer(conn):
                return total
            if ctx.audit.chain_head(conn) != head:
                retries += 1
                continue
            ctx.audit.seal_many(conn, seals)
        sealed_head = (seq, previous)
        total += len(batch)
        if len(batch) < SEAL_BATCH:
            break
    if sealed_head and ctx.audit_anchor is not None:
        write_anchor(ctx, ctx.audit_anchor, *sealed_head)
    return total


def write_anchor(ctx: Context, path: Path, seq: int, head: bytes) -> None:
    """Record the chain head outside the database; never move it backwards."""
    try:
        current = read_anchor(ctx, path)
    except ValueError:
        current = None  # a damaged anchor is reported by verify_chain, then replaced here
    if current and current[0] >= seq:
        return
    body = {"seal_seq": seq, "seal_hash": head.hex()}
    body["mac"] = ctx.keyring.mac("audit-anchor", json.dumps(body, sort_keys=True).encode()).hex()
    atomic_write(path, json.dumps(body).encode())


def read_anchor(ctx: Context, path: Path) -> tuple[int, bytes] | None:
    """The anchored (seal_seq, seal_hash), or None. Raises ValueError if damaged or forged."""
    try:
        body = json.loads(path.read_text())
        mac = bytes.fromhex(body.pop("mac", ""))
        seq, head = int(body["seal_seq"]), bytes.fromhex(body["seal_hash"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"audit anchor {path} is unreadable") from exc
    expected = ctx.keyring.mac("audit-anchor", json.dumps(body, sort_keys=True).encode())
    if not hmac.compare_digest(mac, expected):
        raise ValueError(f"audit anchor {path} fails its MAC")
    return seq, head


@dataclass
class ChainReport:
    sealed: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(ctx: Context, max_problems: int = 100) -> ChainReport:
    """Walk the sealed chain; report every edited, inserted or deleted entry."""
    report = ChainReport()
    anchor = None
    if ctx.audit_anchor is not None:
        try:
            anchor = read_anchor(ctx, ctx.audit_anchor)
        except ValueError as exc:
            report.problems.append(str(exc))
    anchor_found = False
    previous, expected_seq = GENESIS, 1
    with ctx.db.read() as conn:
        report.unsealed = ctx.audit.count_unsealed(conn)
        for entry in ctx.audit.sealed_in_order(conn):
            report.sealed += 1
            if entry.seal_seq != expected_seq:
                report.problems.append(
                    f"entries missing before seal {entry.seal_seq} (expected {expected_seq}):"
                    " deleted")
            mac = chain_mac(ctx, previous, entry.seal_seq, entry)
            if not hmac.compare_digest(mac, entry.seal_hash or b""):
                report.problems.append(
                    f"entry id {entry.id} (seal {entry.seal_seq}) does not match its seal:"
                    " edited or inserted")
            if anchor and entry.seal_seq == anchor[0]:
                anchor_found = hmac.compare_digest(entry.seal_hash or b"", anchor[1])
            # Continue from the stored hash so one bad entry is reported once, not forever.
            previous = entry.seal_hash or mac
            expected_seq = entry.seal_seq + 1
            if len(report.problems) >= max_problems:
                return report
    if anchor and not anchor_found:
        report.problems.append(
            f"seal {anchor[0]}, the chain head recorded outside the database, is missing or"
            " changed: the newest entries were deleted")
    return report

