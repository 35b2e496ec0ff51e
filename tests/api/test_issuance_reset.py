"""POST /users/{user_id}/token/issuance-reset: a waiting issuance ends, with no embargo."""

from __future__ import annotations

from tests.api.helpers import assert_problem, row_counts


def reset(api, user_id: str, actor: str = "branch:branch01", reason: str = "mail lost"):
    return api.client.post(api.url(user_id, "/token/issuance-reset"),
                           json={"actor": actor, "reason": reason}, headers=api.headers)


class TestIssuanceReset:
    def test_an_issued_token_expires_and_may_be_issued_again_at_once(self, api):
        """The branch's reset: expired now, and a new issuance is not embargoed."""
        api.issue("taro")
        response = reset(api, "taro")
        assert response.status_code == 200
        assert response.json()["state"] == "expired"
        assert api.issue("taro").status_code == 201

    def test_the_reset_is_audited_with_actor_and_reason(self, api):
        """issuance_expired, reason branch_reset, the staff member and their note."""
        api.issue("taro")
        reset(api, "taro")
        entries = [e for e in api.audit(user_id="taro").json()["entries"]
                   if e["event"] == "issuance_expired"]
        assert [(e["actor"], e["detail"]["reason"], e["detail"]["note"]) for e in entries] \
            == [("branch:branch01", "branch_reset", "mail lost")]

    def test_an_active_token_is_not_an_issuance(self, api, ctx):
        """404 no_issuance for an active token; nothing written."""
        api.active_token("taro")
        before = row_counts(ctx)
        assert_problem(reset(api, "taro"), 404, "no_issuance")
        assert row_counts(ctx) == before

    def test_the_key_is_checked(self, api):
        """401 without the institution's API key."""
        response = api.client.post(api.url("taro", "/token/issuance-reset"),
                                   json={"actor": "branch:x", "reason": "r"})
        assert response.status_code == 401
