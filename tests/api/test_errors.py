"""Bad requests (DESIGN.md §7 "Errors", "Values"): a clear 4xx problem, and nothing written."""

from __future__ import annotations

import pytest

from tests.api.helpers import BASE, assert_problem, row_counts

VERIFY = f"{BASE}/users/taro/verifications"
TOKEN = f"{BASE}/users/taro/token"
MALFORMED = {
    "broken": b"{bad", "truncated": b'{"code": "12345678", ', "array": b"[1, 2]",
    "string": b'"12345678"', "number": b"12345678", "null": b"null", "empty": b"",
    "bom-only": b"\xff\xfe{}", "bad-utf8": b"\xc3\x28",
    "trailing": b'{"code": "12345678"} trailing', "single-quotes": b"{'a': 1}",
}
BAD_CODES = [
    12345678, None, 1234.5678, ["12345678"], {"c": 1}, True,
    "1234567", "123456789", "", "abcdefgh", "1234567a", "1234 5678", "12345678 ",
    " 12345678", "1234-5678", "①②③④⑤⑥⑦⑧", "١٢٣٤٥٦٧٨", "۱۲۳۴۵۶۷۸", "१२३४५६७८",
    "１２３４５６７", "12345678\n", "+1234567", "1e345678", "12345678" * 2,
]
BAD_USER_IDS = ["-x", ".x", "_x", "@x", "a" * 65, "a%20b", "a+b", "たろう", "a%00b", "a%0A",
                "ｔａｒｏ", "a!", "a%2Cb", "a;b", "a:b"]


class TestApiKeys:
    """One answer, 401 invalid_api_key, for every way of not being the institution."""

    @pytest.fixture
    def other_key(self, services):
        _inst, key = services.institutions.add("0003", "他行", "otp@other.example.jp")
        return key.reveal_text()

    def test_missing_wrong_foreign_key_and_unknown_service_id_look_alike(self, client, api_key,
                                                                          other_key):
        """Service IDs cannot be probed: the four bodies are byte for byte the same."""
        answers = [
            client.get(TOKEN),
            client.get(TOKEN, headers={"Authorization": "Bearer wrong-key"}),
            client.get(TOKEN, headers={"Authorization": f"Bearer {other_key}"}),
            client.get("/api/v1/services/9999/users/taro/token",
                       headers={"Authorization": f"Bearer {api_key}"}),
        ]
        for answer in answers:
            assert_problem(answer, 401, "invalid_api_key")
            assert answer.headers["www-authenticate"] == "Bearer"
        assert len({a.content for a in answers}) == 1

    def test_other_schemes_and_empty_keys_are_refused(self, client, api_key):
        """Basic, an empty Bearer and a bare key are not an API key."""
        for header in (f"Basic {api_key}", "Bearer ", "Bearer", api_key):
            assert_problem(client.get(TOKEN, headers={"Authorization": header}), 401,
                           "invalid_api_key")

    def test_a_malformed_service_id_is_an_unknown_one(self, client, auth):
        """Even a service ID no institution could have (NUL, 33 characters) gets 401."""
        for service_id in ("00%002", "x" * 33, "-0002", "%E3%81%82"):
            response = client.get(f"/api/v1/services/{service_id}/users/taro/token",
                                  headers=auth)
            assert_problem(response, 401, "invalid_api_key")

    def test_every_service_endpoint_needs_the_key(self, client, ctx):
        """Without a key nothing is read or written, whatever the body."""
        before = row_counts(ctx)
        calls = [
            ("get", f"{BASE}/users/taro/token", None),
            ("post", f"{BASE}/users/taro/token", {"email": "a@b.jp",
                                                  "activation_password": "1234"}),
            ("post", f"{BASE}/users/taro/token/confirmation", {"code": "12345678"}),
            ("post", VERIFY, {"code": "12345678", "operation": "login"}),
            ("post", f"{BASE}/users/taro/token/release", {"actor": "a", "reason": "b"}),
            ("post", f"{BASE}/users/taro/token/revocation", {"actor": "a", "reason": "b"}),
            ("get", f"{BASE}/audit", None),
        ]
        for method, url, body in calls:
            response = client.request(method, url, json=body)
            assert_problem(response, 401, "invalid_api_key")
        assert row_counts(ctx) == before

    def test_a_bad_key_is_answered_before_the_body_is_judged(self, client):
        """An unauthenticated caller learns nothing about what a valid body looks like."""
        response = client.post(VERIFY, json={"code": "x", "operation": "nope"})
        assert_problem(response, 401, "invalid_api_key")


class TestProblemDocuments:
    """RFC 9457: type, title, status, code, detail, as application/problem+json."""

    def test_a_problem_has_every_member(self, client, auth):
        """type is a problem URI naming the code; detail is for humans."""
        body = assert_problem(client.get(f"{BASE}/users/-x/token", headers=auth), 422,
                              "invalid_user_id")
        assert body["type"] == "/problems/invalid_user_id"

    def test_an_unknown_path_is_a_problem_too(self, client):
        """404 not_found, same shape."""
        assert_problem(client.get("/api/v1/nothing"), 404, "not_found")

    def test_a_wrong_method_is_a_problem_with_allow(self, client, auth):
        """405 method_not_allowed, with an Allow header."""
        response = client.delete(TOKEN, headers=auth)
        assert_problem(response, 405, "method_not_allowed")
        assert response.headers["allow"]


class TestMalformedBodies:
    """Malformed JSON, or JSON that is not an object: 400 malformed_request."""

    def test_malformed_request(self, client, auth, ctx, subtests):
        """400 for each, nothing written."""
        before = row_counts(ctx)
        for name, body in MALFORMED.items():
            with subtests.test(msg=name):
                response = client.post(VERIFY, content=body, headers={
                    **auth, "Content-Type": "application/json"})
                assert_problem(response, 400, "malformed_request")
        assert row_counts(ctx) == before

    def test_a_lone_surrogate_is_not_a_string(self, api, ctx):
        """\\ud800 parses as JSON but is no character: the field is refused, nothing written."""
        api.issue("taro")
        before = row_counts(ctx)
        response = api.client.post(api.url("taro", "/token/revocation"),
                                   headers={**api.headers, "Content-Type": "application/json"},
                                   content=b'{"actor": "\\ud800", "reason": "x"}')
        assert_problem(response, 422, "invalid_actor")
        assert row_counts(ctx) == before


class TestCodeFormat:
    """§7 `code`: a string of 8 Nd digits whose NFKC form is ASCII, else 422."""

    def test_invalid_code_format(self, api, ctx, subtests):
        """422 invalid_code_format, counted as no attempt, nothing written."""
        secret = api.active_token("taro")
        before = row_counts(ctx)
        for code in BAD_CODES:
            with subtests.test(msg=repr(code)):
                assert_problem(api.verify("taro", code), 422, "invalid_code_format")
                assert_problem(api.confirm("taro", code), 422, "invalid_code_format")
        assert row_counts(ctx) == before
        assert api.get("taro").json()["attempts_left"] == 10
        assert api.verify("taro", api.code(secret)).json()["result"] == "accepted"

    def test_a_missing_code(self, client, auth, ctx):
        """No code at all is invalid_code_format too."""
        before = row_counts(ctx)
        response = client.post(VERIFY, headers=auth, json={"operation": "login"})
        assert_problem(response, 422, "invalid_code_format")
        assert row_counts(ctx) == before

    def test_an_unknown_user_with_a_bad_code_is_still_a_bad_code(self, api, ctx):
        """The format is judged before the token, so no probe gets a different answer."""
        before = row_counts(ctx)
        assert_problem(api.verify("nobody", "1234567"), 422, "invalid_code_format")
        assert row_counts(ctx) == before


class TestOperation:
    """§7 `operation`: required, one of nine."""

    def test_invalid_operation(self, api, ctx, subtests):
        """422 invalid_operation, nothing written."""
        before = row_counts(ctx)
        for operation in ("nope", "", "TRANSFER", "transfer ", None, 1, ["transfer"],
                          "furikomi"):
            with subtests.test(msg=repr(operation)):
                assert_problem(api.verify("taro", "12345678", operation), 422,
                               "invalid_operation")
        assert row_counts(ctx) == before

    def test_a_missing_operation(self, client, auth):
        """operation is required."""
        response = client.post(VERIFY, headers=auth, json={"code": "12345678"})
        assert_problem(response, 422, "invalid_operation")

    def test_every_listed_operation_is_accepted(self, api, subtests):
        """The seven of rule 3 and two more."""
        for operation in ("transfer", "bulk_transfer", "payroll_transfer", "approval",
                          "payeasy", "token_management", "user_management", "login", "other"):
            with subtests.test(msg=operation):
                assert api.verify("nobody", "12345678", operation).status_code == 200


class TestUserId:
    """§7 `user_id` in the path: 1-64 of A-Z a-z 0-9 . _ @ -, the first a letter or digit."""

    def test_invalid_user_id(self, client, auth, ctx, subtests):
        """422 invalid_user_id on every endpoint, nothing written."""
        before = row_counts(ctx)
        for user_id in BAD_USER_IDS:
            base = f"{BASE}/users/{user_id}"
            calls = [
                ("get", "/token", None),
                ("post", "/token", {"email": "a@b.jp", "activation_password": "1234"}),
                ("post", "/token/confirmation", {"code": "12345678"}),
                ("post", "/verifications", {"code": "12345678", "operation": "login"}),
                ("post", "/token/release", {"actor": "a", "reason": "b"}),
                ("post", "/token/revocation", {"actor": "a", "reason": "b"}),
            ]
            for method, path, body in calls:
                with subtests.test(msg=f"{method} {path} {user_id}"):
                    response = client.request(method, base + path, headers=auth, json=body)
                    assert_problem(response, 422, "invalid_user_id")
        assert row_counts(ctx) == before

    def test_valid_user_ids(self, api, subtests):
        """The edges of the format are accepted."""
        for user_id in ("a", "A.b_c@d-e", "0", "a" * 64, "taro@example.jp"):
            with subtests.test(msg=user_id):
                assert api.get(user_id).json()["user_id"] == user_id


class TestBodyLimit:
    """A body over 64 KiB: 413 request_too_large, however it is sent."""

    def _big(self) -> bytes:
        padding = "x" * (64 * 1024)
        return f'{{"code": "12345678", "operation": "login", "pad": "{padding}"}}'.encode()

    def test_a_declared_large_body(self, client, auth, ctx):
        """Refused on Content-Length, before it is read."""
        before = row_counts(ctx)
        response = client.post(VERIFY, headers={**auth, "Content-Type": "application/json"},
                               content=self._big())
        assert_problem(response, 413, "request_too_large")
        assert row_counts(ctx) == before

    def test_a_chunked_large_body(self, client, auth, ctx):
        """Without Content-Length (chunked), refused once 64 KiB have arrived."""
        body = self._big()

        def chunks():
            for i in range(0, len(body), 4096):
                yield body[i:i + 4096]

        before = row_counts(ctx)
        response = client.post(VERIFY, headers={**auth, "Content-Type": "application/json"},
                               content=chunks())
        assert_problem(response, 413, "request_too_large")
        assert row_counts(ctx) == before

    def test_a_large_body_is_refused_even_without_a_key(self, client, ctx):
        """The limit applies before anything else."""
        response = client.post(VERIFY, headers={"Content-Type": "application/json"},
                               content=self._big())
        assert_problem(response, 413, "request_too_large")

    def test_just_under_the_limit_is_read(self, client, auth):
        """64 KiB exactly is not too large."""
        head = b'{"code": "12345678", "operation": "login", "pad": "'
        body = head + b"x" * (64 * 1024 - len(head) - 2) + b'"}'
        assert len(body) == 64 * 1024
        response = client.post(VERIFY, headers={**auth, "Content-Type": "application/json"},
                               content=body)
        assert response.status_code == 200


class TestFreeText:
    """actor (≤128), reason (≤500): stored, so no control characters."""

    def test_refused(self, api, ctx, subtests):
        """422 with the field's code, nothing written (NUL would break PostgreSQL)."""
        api.issue("taro")
        before = row_counts(ctx)
        for actor, reason, code in [
            ("a\x00", "r", "invalid_actor"), ("a\nb", "r", "invalid_actor"),
            ("", "r", "invalid_actor"), ("x" * 129, "r", "invalid_actor"),
            ("a", "r\x00", "invalid_reason"), ("a", "r\x1b[31m", "invalid_reason"),
            ("a", "x" * 501, "invalid_reason"), (None, "r", "invalid_actor"),
            ("a", None, "invalid_reason"), (1, "r", "invalid_actor"),
        ]:
            with subtests.test(msg=f"{actor!r:.20} {reason!r:.20}"):
                response = api.client.post(api.url("taro", "/token/revocation"),
                                           headers=api.headers,
                                           json={"actor": actor, "reason": reason})
                assert_problem(response, 422, code)
        assert row_counts(ctx) == before

    def test_a_reason_may_span_lines(self, api):
        """A branch console's text area sends newlines and tabs."""
        api.issue("taro")
        assert api.revoke("taro", reason="機種変更\n\t本人確認済み").status_code == 200
