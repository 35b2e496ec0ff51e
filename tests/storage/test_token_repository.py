"""The token repository: each life-cycle arrow is one conditional UPDATE (DESIGN.md §4, §5)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import psycopg
import pytest

from onetime.domain.tokens import TokenState
from onetime.storage.tokens import TokenRepository

from .conftest import new_token

S = TokenState
ACTIVE = {"state": S.ACTIVE, "secret_key_id": "k0", "secret_blob": b"secret",
          "activation_key_id": None, "activation_blob": None, "expires_at": None}


class TestReplaceOrInsert:
    def test_first_issuance_inserts_the_row(self, ctx, rows, clock):
        """A user with no token gets one, issued, with what the issuance wrote."""
        token = rows.insert(serial="OTFIRST")
        assert (token.serial, token.state, token.failures) == ("OTFIRST", S.ISSUED, 0)
        assert token.expires_at == clock.now() + timedelta(hours=72)

    @pytest.mark.parametrize("state", [S.ISSUED, S.ACTIVATED, S.EXPIRED])
    def test_an_unfinished_or_expired_token_is_replaced(self, ctx, rows, institution, clock,
                                                        state):
        """The new issuance overwrites the old row and clears its counters."""
        rows.insert(serial="OTOLD")
        rows.force(state=state, failures=3, last_step=7, drift=1, secret_blob=b"old")
        with ctx.db.write() as conn:
            assert ctx.tokens.replace_or_insert(conn, institution.id, "taro",
                                                new_token(clock.now(), "OTNEW"), clock.now())
        token = rows.get()
        assert (token.serial, token.state, token.failures, token.last_step, token.drift,
                token.secret_blob) == ("OTNEW", S.ISSUED, 0, None, 0, None)

    @pytest.mark.parametrize("state", [S.ACTIVE, S.SUSPENDED])
    def test_a_token_in_use_is_not_replaced(self, ctx, rows, institution, clock, state):
        """While active or suspended nothing is written and the answer is False."""
        rows.insert(serial="OTOLD")
        rows.force(state=state)
        with ctx.db.write() as conn:
            assert not ctx.tokens.replace_or_insert(conn, institution.id, "taro",
                                                    new_token(clock.now(), "OTNEW"),
                                                    clock.now())
        assert (rows.get().serial, rows.get().state) == ("OTOLD", state)

    def test_a_revoked_token_is_replaced_only_once_setup_opens(self, ctx, rows, institution,
                                                               clock):
        """Rule 10: refused before setup_available_at, allowed from that instant."""
        opens = clock.now() + timedelta(minutes=30)
        rows.insert(serial="OTOLD")
        rows.force(state=S.REVOKED, revoked_at=clock.now(), setup_available_at=opens)
        early = opens - timedelta(seconds=1)
        with ctx.db.write() as conn:
            assert not ctx.tokens.replace_or_insert(conn, institution.id, "taro",
                                                    new_token(early, "OTNEW"), early)
            assert ctx.tokens.replace_or_insert(conn, institution.id, "taro",
                                                new_token(opens, "OTNEW"), opens)
        token = rows.get()
        assert (token.serial, token.revoked_at, token.setup_available_at) == \
            ("OTNEW", None, None)


def accept(ctx, conn, token, step, drift, now, *, confirming):
    """TokenRepository.accept with an audit entry that names the step it records."""
    entry = ctx.audit.entry(at=now, institution_id=token.institution_id,
                            event="code_verified", user_id=token.user_id, result="accepted",
                            detail={"step": step})
    return ctx.tokens.accept(conn, token, step, drift, now, confirming=confirming,
                             audit_entry=entry)


def recorded_steps(ctx, token) -> list[int]:
    with ctx.db.read() as conn:
        entries = ctx.audit.page(conn, token.institution_id, after_id=0, limit=100,
                                 user_id=token.user_id)
    return [e.detail["step"] for e in entries if e.event == "code_verified"]


class TestAccept:
    def test_the_audit_entry_is_written_only_with_an_accepted_step(self, ctx, rows, clock):
        """accept writes its audit entry if and only if the step is used up."""
        token = rows.make(ACTIVE)
        with ctx.db.write() as conn:
            assert accept(ctx, conn, token, 100, 0, clock.now(), confirming=False)
            assert not accept(ctx, conn, token, 100, 0, clock.now(), confirming=False)
            assert not accept(ctx, conn, token, 99, 0, clock.now(), confirming=False)
            assert accept(ctx, conn, token, 101, 0, clock.now(), confirming=False)
        assert recorded_steps(ctx, token) == [100, 101]

    def test_one_statement_commits_step_and_entry_without_a_transaction(self, ctx, rows,
                                                                        clock):
        """Through read_then_write().write_one() (autocommit on PostgreSQL) both persist."""
        token = rows.make(ACTIVE)
        with ctx.db.read_then_write() as tx:
            assert accept(ctx, tx.write_one(), token, 100, 0, clock.now(), confirming=False)
            assert not accept(ctx, tx.write_one(), token, 100, 0, clock.now(),
                              confirming=False)
        assert rows.get().last_step == 100
        assert recorded_steps(ctx, token) == [100]

    def test_a_later_step_is_used_up(self, ctx, rows, clock):
        """accept stores the step, resets failures and records the drift."""
        token = rows.make(ACTIVE, failures=4)
        with ctx.db.write() as conn:
            assert accept(ctx, conn, token, 100, -1, clock.now(), confirming=False)
        token = rows.get()
        assert (token.last_step, token.failures, token.drift) == (100, 0, -1)

    def test_the_same_step_is_accepted_only_once(self, ctx, rows, clock):
        """Rule 2: the second UPDATE for one step matches no row."""
        token = rows.make(ACTIVE)
        with ctx.db.write() as conn:
            assert accept(ctx, conn, token, 100, 0, clock.now(), confirming=False)
            assert not accept(ctx, conn, token, 100, 0, clock.now(), confirming=False)

    def test_an_earlier_step_is_refused(self, ctx, rows, clock):
        """Rule 2: nor any code of an earlier step."""
        token = rows.make(ACTIVE, last_step=100)
        with ctx.db.write() as conn:
            assert not accept(ctx, conn, token, 99, 0, clock.now(), confirming=False)
        assert rows.get().last_step == 100

    def test_confirmation_makes_an_activated_token_active(self, ctx, rows, clock):
        """The first code turns activated into active; the issuance no longer expires."""
        token = rows.make(ACTIVE, state=S.ACTIVATED,
                          expires_at=clock.now() + timedelta(hours=1))
        with ctx.db.write() as conn:
            assert accept(ctx, conn, token, 100, 0, clock.now(), confirming=True)
        token = rows.get()
        assert (token.state, token.confirmed_at, token.expires_at) == \
            (S.ACTIVE, clock.now(), None)

    def test_confirmation_after_the_lifetime_is_refused(self, ctx, rows, clock):
        """An activated token past expires_at cannot be confirmed."""
        token = rows.make(ACTIVE, state=S.ACTIVATED, expires_at=clock.now())
        with ctx.db.write() as conn:
            assert not accept(ctx, conn, token, 100, 0, clock.now(), confirming=True)

    def test_a_suspended_token_accepts_nothing(self, ctx, rows, clock):
        """The state is part of the WHERE clause."""
        token = rows.make(ACTIVE)
        rows.force(state=S.SUSPENDED)  # suspended after the token was read
        with ctx.db.write() as conn:
            assert not accept(ctx, conn, token, 100, 0, clock.now(), confirming=False)


class TestRecordFailure:
    def test_each_failure_is_counted(self, ctx, rows, clock):
        """The count grows in the database, one per call."""
        token = rows.make(ACTIVE)
        with ctx.db.write() as conn:
            assert ctx.tokens.record_failure(conn, token, 10, clock.now()) == (1, S.ACTIVE)
            assert ctx.tokens.record_failure(conn, token, 10, clock.now()) == (2, S.ACTIVE)

    def test_the_failure_that_reaches_the_limit_suspends(self, ctx, rows, clock):
        """The 10th failure suspends and stamps suspended_at."""
        token = rows.make(ACTIVE, failures=9)
        with ctx.db.write() as conn:
            assert ctx.tokens.record_failure(conn, token, 10, clock.now()) == \
                (10, S.SUSPENDED)
        assert (rows.get().state, rows.get().suspended_at) == (S.SUSPENDED, clock.now())

    def test_a_suspended_token_counts_nothing_more(self, ctx, rows, clock):
        """Once suspended no row matches: None, and the count stays."""
        token = rows.make(ACTIVE, failures=9)
        with ctx.db.write() as conn:
            ctx.tokens.record_failure(conn, token, 10, clock.now())
            assert ctx.tokens.record_failure(conn, token, 10, clock.now()) is None
        assert rows.get().failures == 10

    def test_suspended_at_is_utc_whatever_the_session_time_zone(self, ctx, rows, tokyo_db,
                                                                clock):
        """A PostgreSQL server in Asia/Tokyo must not shift the suspension by nine hours."""
        token = rows.make(ACTIVE, failures=9)
        with tokyo_db.write() as conn:
            TokenRepository().record_failure(conn, token, 10, clock.now())
        assert rows.get().suspended_at == clock.now()


def reject(ctx, conn, token, now, max_failures=10, **detail):
    """TokenRepository.record_rejection with a code_verified entry carrying `detail`."""
    entry = ctx.audit.entry(at=now, institution_id=token.institution_id,
                            event="code_verified", user_id=token.user_id, result="rejected")
    return ctx.tokens.record_rejection(conn, token, max_failures, now, audit_entry=entry,
                                       detail=detail)


def rejection_details(ctx, token) -> list[dict]:
    with ctx.db.read() as conn:
        entries = ctx.audit.page(conn, token.institution_id, after_id=0, limit=100,
                                 user_id=token.user_id)
    return [e.detail for e in entries if e.result == "rejected"]


class TestRecordRejection:
    def test_counts_and_writes_its_entry_with_the_count(self, ctx, rows, clock):
        """The entry's detail holds the count after this failure, beside the caller's."""
        token = rows.make(ACTIVE, failures=2)
        with ctx.db.write() as conn:
            assert reject(ctx, conn, token, clock.now(), replay=True) == 3
            assert reject(ctx, conn, token, clock.now(), replay=None) == 4
        assert rows.get().failures == 4
        assert rejection_details(ctx, token) == [{"failures": 3, "replay": True},
                                                 {"failures": 4, "replay": None}]

    def test_one_statement_commits_count_and_entry_without_a_transaction(self, ctx, rows,
                                                                         clock):
        """Through write_one() (autocommit on PostgreSQL) both persist (issue 13.7)."""
        token = rows.make(ACTIVE)
        with ctx.db.read_then_write() as tx:
            assert reject(ctx, tx.write_one(), token, clock.now()) == 1
        assert rows.get().failures == 1
        assert rejection_details(ctx, token) == [{"failures": 1}]

    def test_the_suspending_failure_is_left_to_record_failure(self, ctx, rows, clock):
        """At max_failures - 1, nothing is written: the caller suspends in a transaction."""
        token = rows.make(ACTIVE, failures=9)
        with ctx.db.write() as conn:
            assert reject(ctx, conn, token, clock.now()) is None
        assert (rows.get().failures, rows.get().state) == (9, S.ACTIVE)
        assert rejection_details(ctx, token) == []

    def test_a_token_changed_since_the_read_is_left_alone(self, ctx, rows, clock):
        """Suspended after the read: no count and no entry (the caller re-checks)."""
        token = rows.make(ACTIVE)
        rows.force(state=S.SUSPENDED)
        with ctx.db.write() as conn:
            assert reject(ctx, conn, token, clock.now()) is None
        assert rows.get().failures == 0
        assert rejection_details(ctx, token) == []

    def test_the_entry_fails_with_its_count(self, ctx, rows, clock):
        """One statement: an entry that cannot be written takes the count with it."""
        token = rows.make(ACTIVE)
        entry = ctx.audit.entry(at=clock.now(), institution_id=token.institution_id,
                                event="code_verified", user_id=token.user_id,
                                result="rejected")
        entry["event"] = None  # NOT NULL: the INSERT fails
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)), \
                ctx.db.read_then_write() as tx:
            ctx.tokens.record_rejection(tx.write_one(), token, 10, clock.now(),
                                        audit_entry=entry)
        assert rows.get().failures == 0


class TestActivationFailure:
    def test_wrong_passwords_count_down_and_the_last_voids_the_issuance(self, ctx, rows,
                                                                         clock):
        """4, 3, 2, 1 left, then 0 and the issuance is expired."""
        token = rows.insert()
        with ctx.db.write() as conn:
            answers = [ctx.tokens.record_activation_failure(conn, token.id, token.serial,
                                                            clock.now()) for _ in range(6)]
        assert answers == [(4, S.ISSUED), (3, S.ISSUED), (2, S.ISSUED), (1, S.ISSUED),
                           (0, S.EXPIRED), None]
        assert rows.get().state == S.EXPIRED

    def test_a_voided_issuance_keeps_no_activation_key(self, ctx, rows, clock):
        """The last wrong password destroys the activation key; earlier ones keep it."""
        token = rows.insert()
        with ctx.db.write() as conn:
            for _ in range(4):
                ctx.tokens.record_activation_failure(conn, token.id, token.serial, clock.now())
            assert ctx.tokens.activation_key(conn, token.id, token.serial) == \
                ("k0", b"activation")
            ctx.tokens.record_activation_failure(conn, token.id, token.serial, clock.now())
            assert ctx.tokens.activation_key(conn, token.id, token.serial) is None

    def test_nothing_is_counted_after_the_lifetime(self, ctx, rows, clock):
        """A timed-out issuance is not counted against."""
        token = rows.insert()
        later = clock.now() + timedelta(hours=72)
        with ctx.db.write() as conn:
            assert ctx.tokens.record_activation_failure(conn, token.id, token.serial,
                                                        later) is None
        assert rows.get().activation_attempts_left == 5


class TestActivate:
    def test_issued_becomes_activated_with_its_secret(self, ctx, rows, clock):
        """The secret is stored and the activation key dropped."""
        token = rows.insert()
        with ctx.db.write() as conn:
            assert ctx.tokens.activate(conn, token.id, token.serial, "k1", b"blob",
                                       clock.now())
            assert ctx.tokens.activation_key(conn, token.id, token.serial) is None
        token = rows.get()
        assert (token.state, token.secret_key_id, token.secret_blob, token.activated_at) == \
            (S.ACTIVATED, "k1", b"blob", clock.now())

    def test_only_once(self, ctx, rows, clock):
        """A second activation of the same issuance matches no row."""
        token = rows.insert()
        with ctx.db.write() as conn:
            assert ctx.tokens.activate(conn, token.id, token.serial, "k1", b"a", clock.now())
            assert not ctx.tokens.activate(conn, token.id, token.serial, "k1", b"b",
                                           clock.now())
        assert rows.get().secret_blob == b"a"


class TestRelease:
    def test_suspended_becomes_active_with_failures_reset(self, ctx, rows, institution, clock):
        """suspended_at is null again and the count starts over."""
        rows.make(ACTIVE, state=S.SUSPENDED, failures=10,
                   suspended_at=clock.now(), confirmed_at=clock.now())
        with ctx.db.write() as conn:
            assert ctx.tokens.release(conn, institution.id, "taro")
        token = rows.get()
        assert (token.state, token.failures, token.suspended_at) == (S.ACTIVE, 0, None)

    def test_suspended_before_confirmation_becomes_activated(self, ctx, rows, institution,
                                                             clock):
        """Never confirmed: back to activated, where the user confirms with a code."""
        rows.make(ACTIVE, state=S.SUSPENDED, failures=10, suspended_at=clock.now(),
                  confirmed_at=None)
        with ctx.db.write() as conn:
            assert ctx.tokens.release(conn, institution.id, "taro")
        token = rows.get()
        assert (token.state, token.failures, token.confirmed_at) == (S.ACTIVATED, 0, None)

    @pytest.mark.parametrize("state", [S.ISSUED, S.ACTIVE, S.REVOKED])
    def test_only_a_suspended_token_is_released(self, ctx, rows, institution, state):
        """Any other state: False, nothing written."""
        rows.make(ACTIVE, state=state, failures=3)
        with ctx.db.write() as conn:
            assert not ctx.tokens.release(conn, institution.id, "taro")
        assert rows.get().failures == 3


class TestRevoke:
    @pytest.mark.parametrize("state", [S.ISSUED, S.ACTIVATED, S.ACTIVE, S.SUSPENDED])
    def test_a_live_token_is_revoked_and_its_secrets_destroyed(self, ctx, rows, institution,
                                                               clock, state):
        """Secret and activation key columns become NULL, not just flagged."""
        rows.make(ACTIVE, activation_key_id="k0", activation_blob=b"act", state=state,
                  expires_at=clock.now() + timedelta(hours=1))
        opens = clock.now() + timedelta(minutes=30)
        with ctx.db.write() as conn:
            assert ctx.tokens.revoke(conn, institution.id, "taro", clock.now(), opens)
            assert ctx.tokens.activation_key(conn, rows.get().id, rows.get().serial) is None
        token = rows.get()
        assert (token.state, token.revoked_at, token.setup_available_at) == \
            (S.REVOKED, clock.now(), opens)
        assert (token.secret_key_id, token.secret_blob) == (None, None)

    @pytest.mark.parametrize("state", [S.REVOKED, S.EXPIRED])
    def test_an_ended_token_is_not_revoked_again(self, ctx, rows, institution, clock, state):
        """Revoked and expired tokens match no row."""
        rows.make(state=state)
        with ctx.db.write() as conn:
            assert not ctx.tokens.revoke(conn, institution.id, "taro", clock.now(),
                                         clock.now())

    def test_a_timed_out_issuance_is_not_revoked(self, ctx, rows, institution, clock):
        """An issuance past its lifetime reads as expired, so there is nothing to revoke."""
        rows.insert()
        later = clock.now() + timedelta(hours=72)
        with ctx.db.write() as conn:
            assert not ctx.tokens.revoke(conn, institution.id, "taro", later, later)


class TestExpire:
    def test_a_timed_out_issuance_expires_once(self, ctx, rows, clock):
        """The first call expires it and destroys its keys; the second matches nothing."""
        token = rows.insert()
        later = clock.now() + timedelta(hours=72)
        with ctx.db.write() as conn:
            assert ctx.tokens.expire(conn, token.id, token.serial, later)
            assert not ctx.tokens.expire(conn, token.id, token.serial, later)
            assert ctx.tokens.activation_key(conn, token.id, token.serial) is None
        assert rows.get().state == S.EXPIRED

    def test_a_live_issuance_does_not_expire(self, ctx, rows, clock):
        """Before its lifetime ends, expire is a no-op."""
        token = rows.insert()
        with ctx.db.write() as conn:
            assert not ctx.tokens.expire(conn, token.id, token.serial,
                                         clock.now() + timedelta(hours=71))
        assert rows.get().state == S.ISSUED


class TestRewrap:
    def test_swaps_the_ciphertext_only_under_the_expected_key(self, ctx, rows):
        """A row whose key changed meanwhile is left for the next pass."""
        token = rows.make(ACTIVE)
        with ctx.db.write() as conn:
            assert not ctx.tokens.rewrap(conn, token.id, "secret", "other", "k1", b"new")
            assert ctx.tokens.rewrap(conn, token.id, "secret", "k0", "k1", b"new")
        assert (rows.get().secret_key_id, rows.get().secret_blob) == ("k1", b"new")

    def test_lists_rows_under_an_old_key(self, ctx, rows):
        """Both secret and activation ciphertexts under another key are found."""
        rows.insert("taro", "OT1")
        rows.force("taro", **ACTIVE)
        rows.insert("hanako", "OT2")
        with ctx.db.read() as conn:
            assert {r.user_id for r in ctx.tokens.secrets_not_under(conn, "k1", 10)} == \
                {"taro", "hanako"}
            assert ctx.tokens.secrets_not_under(conn, "k0", 10) == []
