"""Sealing the audit trail into a MAC chain, and checking it (DESIGN.md §5).

Entries are written unsealed inside the transaction they record. The sealer then
takes committed entries in id order, numbers them (seal_seq 1, 2, 3 …) and sets
seal_hash = HMAC(audit key, previous seal_hash ‖ seal_seq ‖ entry). The key lives
in the key file, not the database, so someone who can only write the database
cannot re-forge the chain after editing it.

A chain alone cannot show that its newest entries were cut off. So each sealing
round also writes the head (seal_seq, seal_hash) to an anchor file beside the key
file, outside the database; `verify_chain` checks that the database's head is the
anchored one (anchor.py).

Which process seals, and how often: sealing.py.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from onetime.domain.audit import AuditEntry
from onetime.service.anchor import AnchorKeeper, anchor_lock, anchor_problem, head_of
from onetime.service.anchor import read_anchor as read_anchor
from onetime.service.context import Context

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
    sealed_head = None
    with anchor_lock(ctx):
        keeper = None
        while total < limit and retries < SEAL_RETRIES:
            with ctx.db.read() as conn:
                head = ctx.audit.chain_head(conn)
                batch = ctx.audit.unsealed_canonical(conn, SEAL_BATCH)
            if not batch:
                break
            keeper = keeper or AnchorKeeper(ctx, head_of(head))
            seq, previous = head[0], head[1] or GENESIS
            seals = []
            for entry_id, canonical in batch:
                seq += 1
                previous = link_mac(ctx, previous, seq, canonical)
                seals.append((entry_id, seq, previous))
            keeper.committing(head_of(head), (seq, previous))
            with ctx.db.write() as conn:
                if not ctx.audit.try_lock_sealer(conn):
                    break
                if ctx.audit.chain_head(conn) != head:
                    retries += 1
                    keeper = None  # look at the anchor again against the new head
                    continue
                ctx.audit.seal_many(conn, seals)
            sealed_head = (seq, previous)
            total += len(batch)
            if len(batch) < SEAL_BATCH:
                break
        if keeper and sealed_head:
            keeper.committed(sealed_head)
    # A server's workers never checkpoint SQLite's WAL (Database `serving`): its one
    # sealer does, once a round, off the requests' path.
    ctx.db.checkpoint()
    return total


@dataclass
class ChainReport:
    sealed: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)
    anchor_problem: str | None = None  # also in `problems`

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(ctx: Context, max_problems: int = 100) -> ChainReport:
    """Walk the sealed chain; report every edited, inserted or deleted entry.

    Then compare the chain head with the anchor (anchor.py): a missing, unreadable or
    older anchor, or newest entries cut off, are problems too.
    """
    report = ChainReport()
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
            # Continue from the stored hash so one bad entry is reported once, not forever.
            previous = entry.seal_hash or mac
            expected_seq = entry.seal_seq + 1
            if len(report.problems) >= max_problems:
                return report
    # The head read again under the anchor's lock: sealing may have gone on meanwhile.
    with anchor_lock(ctx):
        with ctx.db.read() as conn:
            head = head_of(ctx.audit.chain_head(conn))
        report.anchor_problem = anchor_problem(ctx, head)
    if report.anchor_problem:
        report.problems.append(report.anchor_problem)
    return report
