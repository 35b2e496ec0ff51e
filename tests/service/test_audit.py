"""The audit trail: who, what, when and where for every event; no secrets; a sealed chain."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from onetime.domain.errors import SetupFailed
from onetime.service import keys
from onetime.service.audit import seal_pending, verify_chain
from onetime.storage.schema import audit_log

from .world import SOURCE_IP, live_full_lives

# One edit per column the seal covers (and the seal itself).
EDITS = [
    ("event", "token_released"), ("user_id", "jiro"), ("actor", "user:admin"),
    ("result", "accepted"), ("source_ip", "198.51.100.1"), ("operation", "login"),
    ("detail", '{"failures": 0}'), ("institution_id", 99), ("seal_hash", b"\x00" * 32),
]


def last(bank, event):
    entries = bank.audit(event)
    assert entries, f"no {event} entry"
    return entries[-1]


class TestAuditEntries:
    def test_token_issued(self, bank, clock):
        """Who asked, for whom, when, from where, and the serial."""
        doc = bank.issue("taro")
        entry = last(bank, "token_issued")
        assert (entry.user_id, entry.actor, entry.at, entry.source_ip, entry.detail) == \
            ("taro", "user:taro", clock.now(), SOURCE_IP, {"serial": doc.serial})

    def test_token_set_up(self, bank, clock):
        """The app's setup, from the app's address."""
        bank.activated("taro")
        entry = last(bank, "token_set_up")
        assert (entry.user_id, entry.actor, entry.result, entry.at, entry.source_ip) == \
            ("taro", "user:taro", "accepted", clock.now(), SOURCE_IP)
        assert entry.detail == {"serial": bank.token("taro").serial}

    def test_setup_failed(self, bank, clock):
        """A wrong activation password, with the attempts left (never the password)."""
        bank.issue("taro")
        with pytest.raises(SetupFailed):
            bank.set_up("taro", "000011112222")
        entry = last(bank, "setup_failed")
        assert (entry.user_id, entry.actor, entry.result, entry.at, entry.source_ip,
                entry.detail) == ("taro", "user:taro", "rejected", clock.now(), SOURCE_IP,
                                  {"attempts_left": 4})

    def test_token_confirmed(self, bank, clock):
        """Authentication confirmation, with its result."""
        secret = bank.activated("taro")
        bank.confirm("taro", bank.code(secret))
        entry = last(bank, "token_confirmed")
        assert (entry.user_id, entry.actor, entry.result, entry.at, entry.source_ip,
                entry.operation) == ("taro", "user:taro", "accepted", clock.now(), SOURCE_IP,
                                     None)

    @pytest.mark.parametrize("outcome", ["accepted", "rejected", "not_active"])
    def test_code_verified(self, bank, clock, outcome):
        """Every verification, whatever its result, names the operation it protected."""
        secret = bank.active("taro")
        if outcome == "accepted":
            bank.verify("taro", bank.code(secret), "payroll_transfer")
        elif outcome == "rejected":
            bank.verify("taro", bank.wrong_code(secret), "payroll_transfer")
        else:
            bank.verify("hanako", bank.code(secret), "payroll_transfer")
        entry = last(bank, "code_verified")
        assert (entry.result, entry.operation, entry.at, entry.source_ip) == \
            (outcome, "payroll_transfer", clock.now(), SOURCE_IP)
        assert entry.actor.startswith("user:")

    def test_token_suspended(self, bank, clock):
        """The system suspends, after the failure that reached the limit."""
        bank.suspended("taro")
        entry = last(bank, "token_suspended")
        assert (entry.user_id, entry.actor, entry.at, entry.source_ip, entry.detail) == \
            ("taro", "system", clock.now(), SOURCE_IP, {"failures": 10})

    def test_token_released(self, bank, clock):
        """The releasing master or admin, and why."""
        bank.suspended("taro")
        bank.release("taro")
        entry = last(bank, "token_released")
        assert (entry.user_id, entry.actor, entry.at, entry.source_ip) == \
            ("taro", "user:master", clock.now(), SOURCE_IP)

    def test_token_revoked(self, bank, clock):
        """The revoking master or admin, why, and when setup opens."""
        bank.active("taro")
        bank.revoke("taro")
        entry = last(bank, "token_revoked")
        assert (entry.user_id, entry.actor, entry.at, entry.source_ip) == \
            ("taro", "user:master", clock.now(), SOURCE_IP)
        assert entry.detail["setup_available_at"]

    def test_issuance_expired(self, bank, clock):
        """The system ends an issuance that timed out."""
        bank.issue("taro")
        clock.advance(timedelta(hours=72))
        bank.doc("taro")
        entry = last(bank, "issuance_expired")
        assert (entry.user_id, entry.actor, entry.at) == ("taro", "system", clock.now())

    def test_keys_rotated(self, bank, services, clock):
        """The operator's rotation, with the new key's id (an id, not the key)."""
        new_key, _ = keys.rotate(services.ctx)
        entry = last(bank, "keys_rotated")
        assert (entry.actor, entry.at, entry.detail["key_id"]) == \
            ("operator", clock.now(), new_key)

    def test_settings_changed(self, bank, services, clock):
        """Which settings the operator changed."""
        services.institutions.configure("0001", actor="operator:suzuki", max_failures=5)
        entry = last(bank, "settings_changed")
        assert (entry.institution_id, entry.actor, entry.at) == \
            (bank.institution.id, "operator:suzuki", clock.now())
        assert "settings.max_failures" in entry.detail["changed"]

    def test_institution_added(self, bank, clock):
        """The fixture's institution was added by the operator."""
        entry = last(bank, "institution_added")
        assert (entry.actor, entry.at, entry.detail) == \
            ("operator", clock.now(), {"service_id": "0001"})

    def test_the_trail_holds_no_code_secret_or_password(self, bank):
        """After every kind of event, no audit column holds what the users typed or got."""
        live_full_lives(bank)
        with bank.services.ctx.db.read() as conn:
            text = "\n".join(repr(tuple(row)) for row in conn.execute(select(audit_log)))
        assert bank.codes
        assert bank.passwords
        assert bank.secrets
        for needle in bank.codes + bank.passwords:
            assert needle not in text
        for secret in bank.secrets:
            for form in (secret.hex(), secret.hex().upper(), repr(secret)[2:-1],
                         base64.b32encode(secret).decode().rstrip("=")):
                assert form not in text


class TestChain:
    @pytest.fixture
    def sealed(self, bank, services):
        """A trail of a dozen entries or so, all sealed."""
        secret = bank.active("taro")
        for _ in range(3):
            bank.verify("taro", bank.wrong_code(secret))
        bank.verify("taro", bank.code(secret))
        assert seal_pending(services.ctx) == len(bank.audit())
        return services.ctx

    def entry_ids(self, ctx):
        with ctx.db.read() as conn:
            return conn.execute(select(audit_log.c.id, audit_log.c.seal_seq)
                                .order_by(audit_log.c.seal_seq)).all()

    def test_a_sealed_trail_verifies(self, sealed, bank):
        """Every entry sealed, in order, nothing unsealed."""
        report = verify_chain(sealed)
        assert report.ok
        assert (report.sealed, report.unsealed, report.problems) == (len(bank.audit()), 0, [])

    def test_new_entries_are_counted_as_unsealed_until_the_sealer_runs(self, sealed, bank):
        """Entries written after sealing are reported as not yet sealed, then chained on."""
        bank.verify("taro", "12345678")
        bank.verify("taro", "87654321")
        report = verify_chain(sealed)
        assert (report.ok, report.unsealed) == (True, 2)
        assert seal_pending(sealed) == 2
        report = verify_chain(sealed)
        assert (report.ok, report.unsealed, report.sealed) == (True, 0, len(bank.audit()))

    def test_sealing_twice_seals_nothing_more(self, sealed):
        """The sealer only takes unsealed entries."""
        assert seal_pending(sealed) == 0
        assert verify_chain(sealed).ok

    def test_an_edited_entry_is_reported(self, sealed):
        """Changing any column of a sealed entry breaks its seal; restoring it mends it."""
        (target, _seq) = self.entry_ids(sealed)[4]
        where = audit_log.c.id == target
        for column, value in EDITS:
            with sealed.db.write() as conn:
                original = conn.execute(select(audit_log.c[column]).where(where)).scalar()
                conn.execute(update(audit_log).where(where).values({column: value}))
            report = verify_chain(sealed)
            assert not report.ok, column
            assert [p for p in report.problems if f"entry id {target} " in p], column
            with sealed.db.write() as conn:
                conn.execute(update(audit_log).where(where).values({column: original}))
            assert verify_chain(sealed).ok, column

    def test_an_edited_time_is_reported(self, sealed):
        """Moving an entry's time by one second breaks its seal."""
        (target, _seq) = self.entry_ids(sealed)[2]
        with sealed.db.write() as conn:
            at = conn.execute(select(audit_log.c.at).where(audit_log.c.id == target)).scalar()
            conn.execute(update(audit_log).where(audit_log.c.id == target)
                         .values(at=at + timedelta(seconds=1)))
        assert not verify_chain(sealed).ok

    def test_the_newest_entries_deleted_are_reported(self, sealed):
        """Cutting off the end of the chain is caught by the head anchored outside the database."""
        newest = self.entry_ids(sealed)[-2:]
        with sealed.db.write() as conn:
            conn.execute(delete(audit_log).where(audit_log.c.id.in_([i for i, _ in newest])))
        report = verify_chain(sealed)
        assert not report.ok
        assert any("newest entries were deleted" in p for p in report.problems)

    def test_a_forged_anchor_is_reported(self, sealed):
        """An anchor file edited by hand fails its MAC."""
        path = sealed.audit_anchor
        path.write_text(path.read_text().replace('"seal_seq": ', '"seal_seq": 1'))
        report = verify_chain(sealed)
        assert not report.ok
        assert any("anchor" in p for p in report.problems)

    def test_a_deleted_entry_is_reported(self, sealed):
        """Removing an entry from the middle leaves a gap in the sequence."""
        (target, seq) = self.entry_ids(sealed)[3]
        with sealed.db.write() as conn:
            conn.execute(delete(audit_log).where(audit_log.c.id == target))
        report = verify_chain(sealed)
        assert not report.ok
        assert any("deleted" in p and f"seal {seq + 1}" in p for p in report.problems)

    def test_a_forged_sealed_entry_is_reported(self, sealed, clock):
        """An entry inserted with a made-up seal does not match the chain."""
        head = self.entry_ids(sealed)[-1][1]
        with sealed.db.write() as conn:
            conn.execute(insert(audit_log).values(
                at=clock.now(), institution_id=1, event="token_released", user_id="taro",
                actor="user:master", seal_seq=head + 1, seal_hash=b"\x42" * 32))
        report = verify_chain(sealed)
        assert not report.ok
        assert report.unsealed == 0

    def test_a_forged_entry_copying_a_real_seal_is_reported(self, sealed, clock):
        """Reusing another entry's seal does not help: the seal covers the entry's content."""
        rows = self.entry_ids(sealed)
        with sealed.db.write() as conn:
            real = conn.execute(select(audit_log.c.seal_hash)
                                .where(audit_log.c.id == rows[-1][0])).scalar()
            conn.execute(insert(audit_log).values(
                at=clock.now(), institution_id=1, event="code_verified", user_id="taro",
                result="accepted", seal_seq=rows[-1][1] + 1, seal_hash=real))
        assert not verify_chain(sealed).ok

    def test_two_swapped_entries_are_reported(self, sealed):
        """Exchanging the order of two sealed entries breaks both seals."""
        rows = self.entry_ids(sealed)
        (a, seq_a), (b, seq_b) = rows[2], rows[3]
        with sealed.db.write() as conn:
            for entry_id, seq in ((a, -1), (b, seq_a), (a, seq_b)):
                conn.execute(update(audit_log).where(audit_log.c.id == entry_id)
                             .values(seal_seq=seq))
        report = verify_chain(sealed)
        assert not report.ok
        assert len(report.problems) >= 2

    def test_an_intact_trail_after_a_tampered_one_is_reported_once(self, sealed):
        """One edited entry is one problem, not one for every entry after it."""
        (target, _seq) = self.entry_ids(sealed)[1]
        with sealed.db.write() as conn:
            conn.execute(update(audit_log).where(audit_log.c.id == target)
                         .values(actor="user:someone-else"))
        assert len(verify_chain(sealed).problems) == 1
