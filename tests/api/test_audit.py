"""GET /audit (DESIGN.md §7): paging, filters, and what an entry may never hold."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.api.helpers import assert_problem


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


ENTRY_KEYS = {"id", "at", "event", "user_id", "actor", "operation", "result", "source_ip",
              "detail"}


def _verify_users(api, clock, users: list[str]) -> list[str]:
    """One code_verified entry per user, one minute apart; returns each entry's `at`."""
    times = []
    for user in users:
        times.append(clock.now().isoformat())
        api.verify(user, "12345678", "login")
        clock.advance(60)
    return times


class TestPaging:
    """limit (1-1000, default 100) and cursor; oldest first."""

    def test_entries_come_oldest_first_with_every_member(self, api, clock):
        """Each entry has the nine members of §7."""
        _verify_users(api, clock, ["u1", "u2", "u3"])
        body = api.audit().json()
        assert body.keys() == {"entries", "next_cursor"}
        assert body["next_cursor"] is None
        entries = body["entries"]
        assert [e["user_id"] for e in entries] == ["u1", "u2", "u3"]
        assert all(e.keys() == ENTRY_KEYS for e in entries)
        assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
        first = entries[0]
        assert first["event"] == "code_verified"
        assert first["operation"] == "login"
        assert first["result"] == "not_active"
        assert first["actor"] == "user:u1"
        assert first["source_ip"]

    def test_the_cursor_walks_every_entry_once(self, api, clock):
        """limit=2 over five entries: pages of 2, 2, 1, and no cursor after the last."""
        _verify_users(api, clock, [f"u{i}" for i in range(5)])
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = api.audit(**params).json()
            pages += 1
            seen += [e["user_id"] for e in body["entries"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert seen == [f"u{i}" for i in range(5)]

    def test_a_full_last_page_has_no_cursor(self, api, clock):
        """Exactly `limit` entries left: no next_cursor pointing at nothing."""
        _verify_users(api, clock, ["u1", "u2"])
        assert api.audit(limit=2).json()["next_cursor"] is None

    def test_the_default_limit_is_100(self, api, ctx, clock):
        """101 entries: 100 and a cursor."""
        with ctx.db.write() as conn:
            institution_id = ctx.institutions.by_service_id(conn, "0002").id
            for i in range(101):
                ctx.audit.append(conn, at=clock.now(), institution_id=institution_id,
                                 event="code_verified", user_id=f"u{i}")
        body = api.audit().json()
        assert len(body["entries"]) == 100
        assert body["next_cursor"]
        assert len(api.audit(cursor=body["next_cursor"]).json()["entries"]) == 1

    def test_a_limit_outside_1_to_1000(self, api, subtests):
        """422 invalid_limit; 1 and 1000 themselves are fine."""
        for limit in (0, 1001, -1, "x", "", "1.5"):
            with subtests.test(msg=repr(limit)):
                assert_problem(api.audit(limit=limit), 422, "invalid_limit")
        for limit in (1, 1000):
            with subtests.test(msg=repr(limit)):
                assert api.audit(limit=limit).status_code == 200

    def test_a_cursor_we_did_not_hand_out(self, api, subtests):
        """422 invalid_cursor, never a 500 (a 30-digit id would overflow the database)."""
        for cursor in ("zzz", "!!", _b64(b"b12"), _b64(b"a-5"), _b64(b"a"),
                       _b64("a١٢".encode()), _b64(b"a" + b"9" * 30), "x" * 65):
            with subtests.test(msg=cursor):
                assert_problem(api.audit(cursor=cursor), 422, "invalid_cursor")


class TestFilters:
    """user_id, event, since (inclusive), until (exclusive)."""

    def test_since_is_inclusive(self, api, clock):
        """An entry at exactly `since` is in."""
        times = _verify_users(api, clock, ["u1", "u2", "u3"])
        users = [e["user_id"] for e in api.audit(since=times[1]).json()["entries"]]
        assert users == ["u2", "u3"]

    def test_until_is_exclusive(self, api, clock):
        """An entry at exactly `until` is out."""
        times = _verify_users(api, clock, ["u1", "u2", "u3"])
        users = [e["user_id"] for e in api.audit(until=times[1]).json()["entries"]]
        assert users == ["u1"]

    def test_since_and_until_in_another_offset(self, api, clock):
        """+09:00 names the same instant as Z."""
        times = _verify_users(api, clock, ["u1", "u2", "u3"])
        tokyo = datetime.fromisoformat(times[1]).astimezone(ZoneInfo("Asia/Tokyo")).isoformat()
        assert "+09:00" in tokyo
        entries = api.audit(since=tokyo, until=times[2]).json()["entries"]
        assert [e["user_id"] for e in entries] == ["u2"]

    def test_event_and_user_filters(self, api, clock):
        """Only the matching entries, paged with the same filters."""
        api.active_token("taro")
        _verify_users(api, clock, ["hanako", "taro", "taro"])
        entries = api.audit(event="code_verified", user_id="taro").json()["entries"]
        assert len(entries) == 2
        assert all(e["event"] == "code_verified" and e["user_id"] == "taro" for e in entries)
        first = api.audit(event="code_verified", user_id="taro", limit=1).json()
        rest = api.audit(event="code_verified", user_id="taro", limit=1,
                         cursor=first["next_cursor"]).json()
        assert [first["entries"][0]["id"], rest["entries"][0]["id"]] == [e["id"]
                                                                          for e in entries]
        assert rest["next_cursor"] is None

    def test_an_unknown_event_matches_nothing(self, api, clock):
        """A well-formed name that no entry has: an empty page."""
        _verify_users(api, clock, ["u1"])
        assert api.audit(event="no_such_event").json() == {"entries": [], "next_cursor": None}

    def test_bad_filters(self, api, subtests):
        """A clear 422, never a 500 (NUL, or a date past year 9999 in UTC)."""
        for params, code in [
            ({"since": "2026-11-26T10:00:00"}, "invalid_time"),
            ({"until": "yesterday"}, "invalid_time"),
            ({"since": "0001-01-01T00:00:00+01:00"}, "invalid_time"),
            ({"until": "9999-12-31T23:59:59-01:00"}, "invalid_time"),
            ({"user_id": "-x"}, "invalid_user_id"),
            ({"user_id": "a\x00b"}, "invalid_user_id"),
            ({"user_id": "a" * 65}, "invalid_user_id"),
            ({"event": "Code Verified"}, "invalid_event"),
            ({"event": "a\x00"}, "invalid_event"),
        ]:
            with subtests.test(msg=repr(params)):
                assert_problem(api.audit(**params), 422, code)

    def test_an_institution_sees_only_its_own_trail(self, api, services, institution):
        """Entries of institution 0001 never show in 0002's audit."""
        services.tokens.issue_token(institution, "other", "other@example.jp", "1234")
        entries = api.audit().json()["entries"]
        assert all(e["user_id"] != "other" for e in entries)


class TestNoSecrets:
    """An entry never holds a code, a secret or a password."""

    def test_a_whole_life_cycle_leaves_no_secret_in_the_trail(self, api, clock):
        """Issue, set up, confirm, verify (right, wrong, replay), suspend, release, revoke."""
        password = "55443322"
        api.issue("taro", password=password)
        api.client.post("/api/v1/setup/start", json={
            "service_id": "0002", "user_id": "taro", "pake": "AAAA"})
        secret = api.set_up("taro", password=password)
        codes = [api.code(secret)]
        api.confirm("taro", codes[0])
        clock.advance(60)
        codes.append(api.code(secret))
        api.verify("taro", codes[1])
        api.verify("taro", codes[1])  # replay
        wrong = "00000001" if codes[1] != "00000001" else "00000002"
        for _ in range(10):
            api.verify("taro", wrong)
        api.release("taro")
        api.revoke("taro")
        text = json.dumps(api.audit(limit=1000).json(), ensure_ascii=False)
        forbidden = [*codes, wrong, password, secret.hex(), secret.hex().upper(),
                     base64.b32encode(secret).decode().rstrip("="),
                     base64.b64encode(secret).decode(), api.headers["Authorization"][7:]]
        for value in forbidden:
            assert value not in text
        events = {e["event"] for e in json.loads(text)["entries"]}
        assert {"token_issued", "token_set_up", "token_confirmed", "code_verified",
                "token_suspended", "token_released", "token_revoked"} <= events

    def test_a_replay_is_marked_in_detail(self, api):
        """code_verified, result rejected, detail.replay."""
        secret = api.active_token("taro")
        code = api.code(secret)
        api.verify("taro", code)
        api.verify("taro", code)
        last = api.audit(event="code_verified").json()["entries"][-1]
        assert last["result"] == "rejected"
        assert last["detail"]["replay"] is True


def test_the_clock_moves_the_entries(api, clock):
    """Entries carry the service's time, in RFC 3339 with an offset."""
    clock.advance(timedelta(minutes=5))
    api.verify("u1", "12345678")
    at = api.audit().json()["entries"][-1]["at"]
    assert datetime.fromisoformat(at) == clock.now()
