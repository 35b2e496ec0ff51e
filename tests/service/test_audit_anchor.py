"""The audit anchor: the chain head kept outside the database must be there and current.

A missing, unreadable or older anchor fails `verify_chain` until the operator starts a
new one (`reset_anchor`, audited); a sealing round cut short by a crash does not.
"""

from __future__ import annotations

import threading
import time

import pytest

from onetime.service.audit import seal_pending, verify_chain


@pytest.fixture
def sealed(bank, services):
    """A trail of a few entries, all sealed and anchored."""
    secret = bank.active("taro")
    bank.verify("taro", bank.wrong_code(secret))
    assert seal_pending(services.ctx) > 0
    assert services.ctx.audit_anchor.exists()
    return services.ctx


def more_sealed_entries(ctx, count: int = 3) -> None:
    with ctx.db.write() as conn:
        for _ in range(count):
            ctx.audit.append(conn, at=ctx.clock.now(), institution_id=None,
                             event="code_verified", user_id="taro", result="rejected")
    assert seal_pending(ctx) == count


def anchor_problems(report) -> list[str]:
    return [p for p in report.problems if "anchor" in p]


class TestAnchorMustBeThere:
    def test_a_new_installation_has_no_anchor_and_verifies(self, ctx):
        """Nothing sealed yet: no anchor is expected, and verification passes."""
        assert not ctx.audit_anchor.exists()
        assert verify_chain(ctx).ok

    def test_the_first_sealing_round_writes_the_anchor(self, bank, ctx):
        """Sealing the first entries of a new installation starts the anchor."""
        assert seal_pending(ctx) > 0
        assert ctx.audit_anchor.exists()
        assert verify_chain(ctx).ok

    def test_a_deleted_anchor_is_reported(self, sealed):
        """Sealed entries and no anchor: someone deleted it."""
        sealed.audit_anchor.unlink()
        report = verify_chain(sealed)
        assert not report.ok
        assert any("missing" in p for p in anchor_problems(report)), report.problems

    def test_a_truncated_anchor_is_reported(self, sealed):
        """Half an anchor file is unreadable, not absent."""
        path = sealed.audit_anchor
        path.write_bytes(path.read_bytes()[:20])
        report = verify_chain(sealed)
        assert not report.ok
        assert any("unreadable" in p for p in anchor_problems(report)), report.problems

    def test_an_empty_anchor_is_reported(self, sealed):
        """An anchor emptied (a full disk, a careless `>`) fails too."""
        sealed.audit_anchor.write_bytes(b"")
        assert not verify_chain(sealed).ok

    def test_an_older_copy_of_the_anchor_is_reported(self, bank, sealed):
        """An anchor put back from an earlier copy is behind the sealed chain."""
        old = sealed.audit_anchor.read_bytes()
        more_sealed_entries(sealed)
        assert verify_chain(sealed).ok
        sealed.audit_anchor.write_bytes(old)
        report = verify_chain(sealed)
        assert not report.ok
        assert any("older" in p for p in anchor_problems(report)), report.problems

    def test_the_sealer_does_not_mend_a_deleted_anchor(self, bank, sealed):
        """Sealing goes on without an anchor, but never hides that it was deleted."""
        sealed.audit_anchor.unlink()
        more_sealed_entries(sealed)
        assert not sealed.audit_anchor.exists()
        assert not verify_chain(sealed).ok

    def test_the_sealer_does_not_advance_an_older_anchor(self, bank, sealed):
        """An older anchor stays as it was found, for verification to report."""
        old = sealed.audit_anchor.read_bytes()
        more_sealed_entries(sealed)
        sealed.audit_anchor.write_bytes(old)
        more_sealed_entries(sealed)
        assert sealed.audit_anchor.read_bytes() == old
        assert not verify_chain(sealed).ok


class TestSealingRounds:
    def test_a_round_cut_short_before_its_commit_still_verifies(self, bank, sealed):
        """The anchor names the head a round is about to commit; a crash before it is no harm."""
        from onetime.service.anchor import Anchor, read_anchor, write_anchor
        anchor = read_anchor(sealed, sealed.audit_anchor)
        write_anchor(sealed, sealed.audit_anchor,
                     Anchor(anchor.seal_seq + 5, b"\x01" * 32, anchor.seal_seq, anchor.seal_hash))
        assert verify_chain(sealed).ok
        more_sealed_entries(sealed)
        assert verify_chain(sealed).ok

    def test_verification_while_the_sealer_seals_always_passes(self, bank, sealed):
        """Checking the head against the anchor never catches a sealing round half done."""
        stop = threading.Event()
        errors: list[BaseException] = []

        def seal_continuously() -> None:
            try:
                deadline = time.monotonic() + 20
                while not stop.is_set() and time.monotonic() < deadline:
                    more_sealed_entries(sealed, 2)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        sealer = threading.Thread(target=seal_continuously)
        sealer.start()
        try:
            reports = [verify_chain(sealed) for _ in range(30)]
        finally:
            stop.set()
            sealer.join(30)
        assert not errors
        assert [r.problems for r in reports if not r.ok] == []
        assert reports[-1].sealed > reports[0].sealed or reports[0].sealed > 0


class TestNewAnchor:
    def test_a_new_anchor_ends_the_failure_and_is_audited(self, bank, sealed, clock):
        """The operator starts a new anchor at the current head; the trail says who and when."""
        from onetime.service.anchor import reset_anchor
        sealed.audit_anchor.unlink()
        assert not verify_chain(sealed).ok
        reset_anchor(sealed, actor="operator:suzuki")
        assert verify_chain(sealed).ok
        (entry,) = bank.audit("audit_anchor_reset")
        assert (entry.actor, entry.at, entry.institution_id) == \
            ("operator:suzuki", clock.now(), None)
        assert entry.detail["previous"] == "missing"
        assert seal_pending(sealed) == 1
        assert verify_chain(sealed).ok

    def test_a_new_anchor_does_not_hide_an_edited_entry(self, bank, sealed):
        """Only the anchor starts anew: entries that fail their seals still fail."""
        from sqlalchemy import update

        from onetime.service.anchor import reset_anchor
        from onetime.storage.schema import audit_log
        with sealed.db.write() as conn:
            conn.execute(update(audit_log).where(audit_log.c.seal_seq == 1)
                         .values(actor="someone else"))
        reset_anchor(sealed, actor="operator")
        assert not verify_chain(sealed).ok
