"""The token endpoints of DESIGN.md §7, through HTTP, as a banking backend calls them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.helpers import TOKEN_KEYS, assert_problem, full_width, row_counts


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class TestIssuance:
    """POST /users/{user_id}/token."""

    def test_issue_answers_201_with_the_token_document(self, api, clock):
        """A first issuance is `issued`, expires after 72 hours and shows no e-mail."""
        response = api.issue("taro")
        assert response.status_code == 201
        doc = response.json()
        assert doc.keys() == TOKEN_KEYS
        assert doc["state"] == "issued"
        assert doc["serial"]
        assert doc["attempts_left"] is None
        assert _at(doc["issued_at"]) == clock.now()
        assert _at(doc["expires_at"]) == clock.now() + timedelta(hours=72)

    def test_issue_queues_the_issuance_email(self, api, ctx):
        """Rule 5: the e-mail is queued in the same transaction."""
        before = row_counts(ctx)
        api.issue("taro")
        assert row_counts(ctx)["outbox"] == before["outbox"] + 1

    def test_reissue_replaces_an_issued_token(self, api):
        """An issuance that was never set up is replaced by a new serial."""
        first = api.issue("taro").json()
        second = api.issue("taro")
        assert second.status_code == 201
        assert second.json()["serial"] != first["serial"]

    def test_reissue_replaces_an_activated_token(self, api):
        """A token set up but never confirmed is replaced too."""
        api.issue("taro")
        api.set_up("taro")
        response = api.issue("taro")
        assert response.status_code == 201
        assert response.json()["state"] == "issued"

    def test_issue_while_active_is_token_exists(self, api, ctx):
        """409 token_exists while the token is active, and nothing changes."""
        api.active_token("taro")
        before = row_counts(ctx)
        assert_problem(api.issue("taro"), 409, "token_exists")
        assert row_counts(ctx) == before
        assert api.get("taro").json()["state"] == "active"

    def test_issue_while_suspended_is_token_exists(self, api):
        """409 token_exists while the token is suspended."""
        api.active_token("taro")
        for _ in range(10):
            api.verify("taro", "00000000")
        assert api.get("taro").json()["state"] == "suspended"
        assert_problem(api.issue("taro"), 409, "token_exists")

    def test_issue_during_embargo_is_setup_embargoed(self, api, clock, ctx):
        """Rule 10: 409 setup_embargoed names when setup opens (10:00 JST + 30 min)."""
        api.active_token("taro")
        revoked = api.revoke("taro").json()
        before = row_counts(ctx)
        body = assert_problem(api.issue("taro"), 409, "setup_embargoed")
        assert _at(body["setup_available_at"]) == _at(revoked["setup_available_at"])
        assert row_counts(ctx) == before

    def test_issue_after_the_embargo_succeeds(self, api, clock):
        """Once setup_available_at has passed, issuance works again."""
        api.active_token("taro")
        opens = _at(api.revoke("taro").json()["setup_available_at"])
        clock.set(opens)
        assert api.issue("taro").status_code == 201

    def test_issue_refuses_a_bad_activation_password(self, api):
        """The activation password is 4-16 digits."""
        for password in ("123", "12345678901234567", "12a4", "１２３４"):
            assert_problem(api.issue("taro", password=password), 422,
                           "invalid_activation_password")

    def test_issue_refuses_a_bad_email(self, api):
        """An address without a domain, or with a control character, is invalid_email."""
        for email in ("taro", "taro@", "ta\x00ro@example.jp", "taro@example"):
            assert_problem(api.issue("taro", email=email), 422, "invalid_email")


class TestReading:
    """GET /users/{user_id}/token."""

    def test_never_seen_user_reads_state_none(self, api):
        """A user the service has never seen: state none, every member null."""
        response = api.get("nobody")
        assert response.status_code == 200
        doc = response.json()
        assert doc.keys() == TOKEN_KEYS
        assert doc["user_id"] == "nobody"
        assert doc["state"] == "none"
        assert all(doc[k] is None for k in TOKEN_KEYS - {"user_id", "state"})

    def test_never_seen_user_has_the_same_members_as_a_user_with_a_token(self, api):
        """Clients may rely on one set of members for every user."""
        api.active_token("taro")
        assert api.get("nobody").json().keys() == api.get("taro").json().keys()

    def test_reading_a_never_seen_user_writes_nothing(self, api, ctx):
        """Probing user IDs leaves no rows behind."""
        before = row_counts(ctx)
        api.get("nobody")
        assert row_counts(ctx) == before

    def test_an_issuance_past_72_hours_reads_expired(self, api, clock):
        """expired, with attempts_left null."""
        api.issue("taro")
        clock.advance(timedelta(hours=72))
        doc = api.get("taro").json()
        assert doc["state"] == "expired"
        assert doc["attempts_left"] is None

    def test_an_active_token_shows_its_attempts_left(self, api):
        """attempts_left counts down with each wrong code."""
        api.active_token("taro")
        api.verify("taro", "00000000")
        doc = api.get("taro").json()
        assert doc["state"] == "active"
        assert doc["attempts_left"] == 9
        assert doc["expires_at"] is None
        assert doc["confirmed_at"] is not None


class TestConfirmation:
    """POST /users/{user_id}/token/confirmation."""

    def test_the_first_code_turns_activated_into_active(self, api):
        """Rule 7: accepted, and the token is active with attempts reset."""
        api.issue("taro")
        secret = api.set_up("taro")
        assert api.get("taro").json()["state"] == "activated"
        response = api.confirm("taro", api.code(secret))
        assert response.status_code == 200
        assert response.json() == {"result": "accepted", "attempts_left": 10, "state": "active"}
        assert api.get("taro").json()["state"] == "active"

    def test_full_width_digits_are_accepted(self, api):
        """Input from a Japanese IME: １２３４５６７８ counts as 12345678."""
        api.issue("taro")
        secret = api.set_up("taro")
        answer = api.confirm("taro", full_width(api.code(secret))).json()
        assert answer["result"] == "accepted"

    def test_a_wrong_code_counts_toward_suspension(self, api):
        """Confirmation failures count like verification failures."""
        api.issue("taro")
        api.set_up("taro")
        answer = api.confirm("taro", "00000000").json()
        assert answer == {"result": "rejected", "attempts_left": 9, "state": "activated"}

    def test_ten_wrong_confirmations_suspend(self, api):
        """§7: confirmation failures count toward suspension like any other."""
        api.issue("taro")
        api.set_up("taro")
        answers = [api.confirm("taro", "00000000").json() for _ in range(10)]
        assert answers[-1] == {"result": "suspended", "attempts_left": 0, "state": "suspended"}
        assert api.get("taro").json()["state"] == "suspended"

    def test_an_issued_token_is_not_active(self, api):
        """Before setup there is nothing to confirm."""
        api.issue("taro")
        answer = api.confirm("taro", "12345678").json()
        assert answer == {"result": "not_active", "attempts_left": None, "state": "issued"}

    def test_an_active_token_is_not_active_for_confirmation(self, api):
        """Only an activated token can be confirmed."""
        secret = api.active_token("taro")
        answer = api.confirm("taro", api.code(secret)).json()
        assert answer["result"] == "not_active"
        assert answer["state"] == "active"

    def test_an_unknown_user_is_not_active(self, api):
        """The same answer as for any user without a token."""
        answer = api.confirm("nobody", "12345678").json()
        assert answer == {"result": "not_active", "attempts_left": None, "state": "none"}


class TestVerification:
    """POST /users/{user_id}/verifications."""

    def test_a_current_code_is_accepted(self, api):
        """accepted, with the attempts reset."""
        secret = api.active_token("taro")
        response = api.verify("taro", api.code(secret), "payroll_transfer")
        assert response.status_code == 200
        assert response.json() == {"result": "accepted", "attempts_left": 10, "state": "active"}

    def test_a_code_is_accepted_once(self, api):
        """Rule 2: the replay is rejected and counts as a failure."""
        secret = api.active_token("taro")
        code = api.code(secret)
        api.verify("taro", code)
        assert api.verify("taro", code).json() == {
            "result": "rejected", "attempts_left": 9, "state": "active"}

    def test_a_code_of_an_earlier_step_is_rejected_after_a_later_one(self, api):
        """Rule 2: once step n is used, step n-1 is gone too."""
        secret = api.active_token("taro")
        earlier = api.code(secret, -1)
        assert api.verify("taro", api.code(secret)).json()["result"] == "accepted"
        assert api.verify("taro", earlier).json()["result"] == "rejected"

    def test_the_window_is_one_step_either_side(self, api):
        """The next step passes; two steps away does not."""
        secret = api.active_token("taro")
        assert api.verify("taro", api.code(secret, +1)).json()["result"] == "accepted"
        assert api.verify("taro", api.code(secret, +3)).json()["result"] == "rejected"

    def test_full_width_digits_are_accepted(self, api):
        """NFKC: full-width digits are the same code."""
        secret = api.active_token("taro")
        assert api.verify("taro", full_width(api.code(secret))).json()["result"] == "accepted"

    def test_the_tenth_wrong_code_suspends(self, api):
        """§4: suspension after 10 consecutive failures, answered `suspended`."""
        api.active_token("taro")
        answers = [api.verify("taro", "00000000").json() for _ in range(10)]
        assert answers[8] == {"result": "rejected", "attempts_left": 1, "state": "active"}
        assert answers[9] == {"result": "suspended", "attempts_left": 0, "state": "suspended"}
        doc = api.get("taro").json()
        assert doc["state"] == "suspended"
        assert doc["attempts_left"] == 0
        assert doc["suspended_at"] is not None

    def test_a_suspended_token_rejects_the_right_code_without_using_it(self, api):
        """Right or wrong, the answer is `suspended`; after release the code still works."""
        secret = api.active_token("taro")
        for _ in range(10):
            api.verify("taro", "00000000")
        code = api.code(secret)
        assert api.verify("taro", code).json() == {
            "result": "suspended", "attempts_left": 0, "state": "suspended"}
        api.release("taro")
        assert api.verify("taro", code).json()["result"] == "accepted"

    def test_an_activated_token_is_not_active(self, api):
        """Verification needs the confirmation first."""
        api.issue("taro")
        secret = api.set_up("taro")
        answer = api.verify("taro", api.code(secret)).json()
        assert answer["result"] == "not_active"
        assert answer["state"] == "activated"

    def test_an_unknown_user_gets_not_active(self, api):
        """Exactly the answer of §7 for a user without a token."""
        answer = api.verify("nobody", "12345678").json()
        assert answer == {"result": "not_active", "attempts_left": None, "state": "none"}

    def test_a_code_of_another_length_is_no_attempt(self, api):
        """422 invalid_code_format, and attempts_left does not move."""
        api.active_token("taro")
        assert_problem(api.verify("taro", "1234567"), 422, "invalid_code_format")
        assert_problem(api.verify("taro", "123456"), 422, "invalid_code_format")
        assert api.get("taro").json()["attempts_left"] == 10


class TestRelease:
    """POST /users/{user_id}/token/release."""

    def _suspend(self, api) -> None:
        api.active_token("taro")
        for _ in range(10):
            api.verify("taro", "00000000")

    def test_release_makes_a_suspended_token_active(self, api):
        """Rule 8: active again, attempts reset, suspended_at null again."""
        self._suspend(api)
        response = api.release("taro", actor="user:admin1", reason="本人確認済み")
        assert response.status_code == 200
        doc = response.json()
        assert doc.keys() == TOKEN_KEYS
        assert doc["state"] == "active"
        assert doc["attempts_left"] == 10
        assert doc["suspended_at"] is None

    def test_release_before_confirmation_returns_to_activated(self, api):
        """§7: a token suspended during its authentication confirmation goes back to
        `activated`, not `active`."""
        api.issue("taro")
        api.set_up("taro")
        for _ in range(10):
            api.confirm("taro", "00000000")
        assert api.get("taro").json()["state"] == "suspended"
        doc = api.release("taro").json()
        assert (doc["state"], doc["attempts_left"], doc["confirmed_at"]) == \
            ("activated", 10, None)

    def test_release_is_audited_with_actor_and_reason(self, api):
        """token_released names who released it and why."""
        self._suspend(api)
        api.release("taro", actor="branch:1001", reason="窓口で解除")
        entry = api.audit(event="token_released").json()["entries"][-1]
        assert entry["actor"] == "branch:1001"
        assert entry["detail"] == {"reason": "窓口で解除"}

    def test_release_of_an_active_token_is_token_not_suspended(self, api, ctx):
        """409, nothing written."""
        api.active_token("taro")
        before = row_counts(ctx)
        assert_problem(api.release("taro"), 409, "token_not_suspended")
        assert row_counts(ctx) == before

    def test_release_of_a_never_seen_user_is_token_not_suspended(self, api):
        """409 as well: there is nothing to release."""
        assert_problem(api.release("nobody"), 409, "token_not_suspended")

    def test_release_needs_an_actor(self, api):
        """An empty actor names nobody: 422 invalid_actor."""
        self._suspend(api)
        assert_problem(api.release("taro", actor=""), 422, "invalid_actor")
        assert_problem(api.release("taro", actor="x" * 129), 422, "invalid_actor")
        assert_problem(api.release("taro", reason="x" * 501), 422, "invalid_reason")


class TestRevocation:
    """POST /users/{user_id}/token/revocation."""

    def test_revocation_answers_revoked_with_setup_available_at(self, api, clock):
        """Rule 10: at 10:00 JST setup opens 30 minutes later."""
        api.active_token("taro")
        response = api.revoke("taro")
        assert response.status_code == 200
        doc = response.json()
        assert doc["state"] == "revoked"
        assert _at(doc["revoked_at"]) == clock.now()
        assert _at(doc["setup_available_at"]) == clock.now() + timedelta(minutes=30)
        assert doc["attempts_left"] is None

    def test_revocation_at_night_opens_at_0810(self, api, clock):
        """Rule 10: a revocation at 21:00 JST opens at 08:10 JST the next day."""
        api.active_token("taro")
        clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # 21:00 JST
        doc = api.revoke("taro").json()
        assert _at(doc["setup_available_at"]) == datetime(2026, 11, 26, 23, 10, tzinfo=UTC)

    def test_an_issued_token_can_be_revoked(self, api):
        """Revocation ends a token in any live state."""
        api.issue("taro")
        assert api.revoke("taro").json()["state"] == "revoked"

    def test_a_revoked_token_verifies_nothing(self, api):
        """After revocation every code is not_active."""
        secret = api.active_token("taro")
        api.revoke("taro")
        answer = api.verify("taro", api.code(secret)).json()
        assert answer == {"result": "not_active", "attempts_left": None, "state": "revoked"}

    def test_revoking_a_never_seen_user_is_token_not_found(self, api, ctx):
        """409 token_not_found for state none, nothing written."""
        before = row_counts(ctx)
        assert_problem(api.revoke("nobody"), 409, "token_not_found")
        assert row_counts(ctx) == before

    def test_revoking_twice_is_token_not_found(self, api):
        """409 token_not_found for state revoked."""
        api.active_token("taro")
        api.revoke("taro")
        assert_problem(api.revoke("taro"), 409, "token_not_found")

    def test_revoking_an_expired_issuance_is_token_not_found(self, api, clock):
        """409 token_not_found for state expired."""
        api.issue("taro")
        clock.advance(timedelta(hours=73))
        assert_problem(api.revoke("taro"), 409, "token_not_found")
