"""PSKC import (DESIGN.md §7): documents written with python-pskc, imported over HTTP."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json

import pskc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetime.domain.errors import InvalidPskc
from onetime.otp import hotp, totp
from onetime.service import imports, repeats
from tests.api.helpers import BASE, assert_problem, row_counts

IMPORT = f"{BASE}/tokens/import"
PSKC_TYPE = "application/pskc+xml"
TOTP_URI = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
HOTP_URI = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"
PSK = bytes.fromhex("12345678901234567890123456789012")
NS = b'xmlns="urn:ietf:params:xml:ns:keyprov:pskc"'
UNREADABLE = {
    "empty": b"", "text": b"not xml", "other-root": b"<foo/>", "truncated": b"<KeyContainer",
    "utf16-other": "<x>\u3042</x>".encode("utf-16"),
    "entities": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol2 "&lol;&lol;">]><KeyContainer ' + NS + b">&lol2;</KeyContainer>",
    "xxe": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b"<KeyContainer " + NS + b">&e;</KeyContainer>",
    "version": b"<KeyContainer " + NS + b' Version="2.0"/>',
}


def secret_of(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


def totp_key(user: str | None, serial: str | None = None, **extra) -> dict:
    """A 6-digit SHA-256 30-second TOTP key, as hardware tokens ship them."""
    return {"serial": serial or f"T-{user}", "key_userid": user, "secret": secret_of(user or ""),
            "algorithm": TOTP_URI, "response_length": 6, "time_interval": 30,
            "algorithm_suite": "HMAC-SHA256", **extra}


def hotp_key(user: str | None, serial: str | None = None, **extra) -> dict:
    return {"serial": serial or f"H-{user}", "key_userid": user, "secret": secret_of(user or ""),
            "algorithm": HOTP_URI, "response_length": 8, "counter": 0, **extra}


def document(*keys: dict, password: str | None = None, psk: bytes | None = None) -> bytes:
    container = pskc.PSKC()
    for key in keys:
        container.add_key(**{k: v for k, v in key.items() if v is not None})
    if password is not None:
        container.encryption.setup_pbkdf2(password, iterations=1000)
    if psk is not None:
        container.encryption.setup_preshared_key(key=psk)
    out = io.BytesIO()
    container.write(out)
    return out.getvalue()


@pytest.fixture
def post_import(client, auth):
    def post(body: bytes, *, confirmed: bool | None = None, headers: dict | None = None,
             content_type: str = PSKC_TYPE):
        params = {} if confirmed is None else {"confirmed": str(confirmed).lower()}
        return client.post(IMPORT, content=body, params=params,
                           headers={**auth, "Content-Type": content_type, **(headers or {})})
    return post


class TestImportedTokensVerify:
    """Each key keeps its own digits, period and hash, and verifies under the usual rules."""

    def test_a_6_digit_sha256_30s_totp_is_activated_then_confirmed(self, api, post_import,
                                                                   clock):
        """activated; the first code confirms it; the next step verifies; a replay fails."""
        response = post_import(document(totp_key("taro", "TOTP-0001")))
        assert response.status_code == 200
        assert response.json() == {
            "imported": 1, "skipped": [],
            "tokens": [{"serial": "TOTP-0001", "user_id": "taro", "state": "activated"}]}
        doc = api.get("taro").json()
        assert (doc["state"], doc["serial"], doc["expires_at"]) == ("activated", "TOTP-0001",
                                                                     None)
        secret = secret_of("taro")

        def code() -> str:
            return totp(secret, clock.now().timestamp(), digits=6, period=30,
                        algorithm="sha256")

        assert api.confirm("taro", code()).json() == {
            "result": "accepted", "attempts_left": 10, "state": "active"}
        clock.advance(30)
        current = code()
        assert api.verify("taro", current).json()["result"] == "accepted"
        assert api.verify("taro", current).json()["result"] == "rejected"

    def test_an_8_digit_code_for_a_6_digit_token_is_no_attempt(self, api, post_import):
        """The length is the token's own: 422 invalid_code_format, nothing counted."""
        post_import(document(totp_key("taro")), confirmed=True)
        assert_problem(api.verify("taro", "12345678"), 422, "invalid_code_format")
        assert api.get("taro").json()["attempts_left"] == 10

    def test_an_hotp_token_verifies_with_a_look_ahead_of_10(self, api, post_import):
        """Counters 1-10 after the last accepted one pass, once each, in order."""
        post_import(document(hotp_key("jiro")), confirmed=True)
        secret = secret_of("jiro")
        assert api.get("jiro").json()["state"] == "active"
        assert api.verify("jiro", hotp(secret, 3, digits=8)).json()["result"] == "accepted"
        assert api.verify("jiro", hotp(secret, 2, digits=8)).json()["result"] == "rejected"
        assert api.verify("jiro", hotp(secret, 3, digits=8)).json()["result"] == "rejected"
        assert api.verify("jiro", hotp(secret, 13, digits=8)).json()["result"] == "accepted"
        assert api.verify("jiro", hotp(secret, 24, digits=8)).json()["result"] == "rejected"

    def test_an_hotp_counter_carries_over(self, api, post_import):
        """Data/Counter is the next value the device shows: earlier ones are used up."""
        post_import(document(hotp_key("jiro", counter=100)), confirmed=True)
        secret = secret_of("jiro")
        assert api.verify("jiro", hotp(secret, 99, digits=8)).json()["result"] == "rejected"
        assert api.verify("jiro", hotp(secret, 100, digits=8)).json()["result"] == "accepted"

    @pytest.mark.parametrize(("digits", "period", "suite", "algorithm"), [
        (8, 60, "HMAC-SHA512", "sha512"), (10, 30, None, "sha1"), (7, 45, "SHA1", "sha1")])
    def test_digits_period_and_hash_are_kept(self, api, post_import, clock, digits, period,
                                             suite, algorithm):
        """Whatever the document says (within 6-10 digits), codes are computed that way."""
        key = totp_key("taro", response_length=digits, time_interval=period,
                       algorithm_suite=suite)
        post_import(document(key), confirmed=True)
        code = totp(secret_of("taro"), clock.now().timestamp(), digits=digits, period=period,
                    algorithm=algorithm)
        assert api.verify("taro", code).json()["result"] == "accepted"

    def test_confirmed_true_starts_active(self, api, post_import):
        """?confirmed=true: active, with confirmed_at."""
        body = post_import(document(totp_key("taro")), confirmed=True).json()
        assert body["tokens"][0]["state"] == "active"
        doc = api.get("taro").json()
        assert doc["state"] == "active"
        assert doc["confirmed_at"] is not None

    def test_the_device_user_id_is_the_fallback(self, api, post_import):
        """Key/UserId first, then DeviceInfo/UserId."""
        keys = [totp_key(None, "S1", device_userid="hanako"),
                totp_key("ichiro", "S2", device_userid="other")]
        tokens = post_import(document(*keys)).json()["tokens"]
        assert [(t["serial"], t["user_id"]) for t in tokens] == [("S1", "hanako"),
                                                                 ("S2", "ichiro")]

    def test_an_unusable_serial_is_replaced_by_ours(self, post_import):
        """No serial, or one that does not fit, gets a service serial (OT…)."""
        tokens = post_import(document(totp_key("a1", serial="x" * 41))).json()["tokens"]
        assert tokens[0]["serial"].startswith("OT")

    def test_an_issued_token_is_replaced(self, api, post_import):
        """An issuance awaiting setup gives way, as a re-issuance would."""
        api.issue("taro")
        assert post_import(document(totp_key("taro", "S1"))).json()["imported"] == 1
        assert api.get("taro").json()["serial"] == "S1"

    def test_reimporting_an_unconfirmed_document_replaces_it(self, post_import):
        """activated tokens are replaceable: the same document imports again."""
        body = document(totp_key("taro", "S1"))
        post_import(body)
        assert post_import(body).json()["imported"] == 1


class TestSkippedKeys:
    """A key that cannot be imported is skipped with its serial and one reason."""

    def test_each_reason(self, post_import):
        """no_user_id, invalid_user_id, no_secret, unsupported_algorithm, duplicate_user."""
        keys = [
            totp_key(None, "S-nouser"),
            totp_key("-bad", "S-baduser"),
            totp_key("nosecret", "S-nosecret", secret=b""),
            totp_key("ocra", "S-ocra", algorithm="urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1"),
            totp_key("digits5", "S-5", response_length=5),
            totp_key("digits11", "S-11", response_length=11),
            totp_key("md5", "S-md5", algorithm_suite="HMAC-MD5"),
            totp_key("hex", "S-hex", response_encoding="HEXADECIMAL"),
            totp_key("twice", "S-twice-1"),
            hotp_key("twice", "S-twice-2"),
            totp_key("fine", "S-fine"),
        ]
        body = post_import(document(*keys)).json()
        assert body["imported"] == 1
        assert body["tokens"] == [{"serial": "S-fine", "user_id": "fine",
                                   "state": "activated"}]
        assert body["skipped"] == [
            {"serial": "S-nouser", "reason": "no_user_id"},
            {"serial": "S-baduser", "reason": "invalid_user_id"},
            {"serial": "S-nosecret", "reason": "no_secret"},
            {"serial": "S-ocra", "reason": "unsupported_algorithm"},
            {"serial": "S-5", "reason": "unsupported_algorithm"},
            {"serial": "S-11", "reason": "unsupported_algorithm"},
            {"serial": "S-md5", "reason": "unsupported_algorithm"},
            {"serial": "S-hex", "reason": "unsupported_algorithm"},
            {"serial": "S-twice-1", "reason": "duplicate_user"},
            {"serial": "S-twice-2", "reason": "duplicate_user"},
        ]

    def test_a_key_without_serial_is_skipped_with_serial_null(self, client, auth):
        """The serial is null when the document has none."""
        container = pskc.PSKC()
        container.add_key(secret=b"1234567890", algorithm=TOTP_URI)
        out = io.BytesIO()
        container.write(out)
        response = client.post(IMPORT, content=out.getvalue(),
                               headers={**auth, "Content-Type": PSKC_TYPE})
        assert response.json()["skipped"] == [{"serial": None, "reason": "no_user_id"}]

    def test_a_second_unusable_key_is_no_duplicate(self, post_import):
        """A device's OCRA key beside its TOTP key: the TOTP key is imported."""
        keys = [totp_key("taro", "D1"),
                totp_key("taro", "D1", algorithm="urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1")]
        body = post_import(document(*keys)).json()
        assert body["imported"] == 1
        assert body["skipped"] == [{"serial": "D1", "reason": "unsupported_algorithm"}]

    def test_an_active_or_suspended_token_is_token_exists(self, api, post_import):
        """The user's working token is never replaced by an import."""
        api.active_token("taro")
        api.active_token("hanako")
        for _ in range(10):
            api.verify("hanako", "00000000")
        body = post_import(document(totp_key("taro"), totp_key("hanako"))).json()
        assert body["imported"] == 0
        assert {s["reason"] for s in body["skipped"]} == {"token_exists"}
        assert api.get("taro").json()["serial"] != "T-taro"

    def test_an_embargoed_user_is_setup_embargoed(self, api, post_import):
        """Rule 10 holds for imports too."""
        api.active_token("taro")
        api.revoke("taro")
        body = post_import(document(totp_key("taro"))).json()
        assert body["skipped"] == [{"serial": "T-taro", "reason": "setup_embargoed"}]

    def test_a_serial_held_by_another_user_is_token_exists(self, post_import):
        """One device, one user: a serial already bound elsewhere is not bound again."""
        post_import(document(totp_key("taro", "SAME")))
        body = post_import(document(totp_key("jiro", "SAME"))).json()
        assert body["skipped"] == [{"serial": "SAME", "reason": "token_exists"}]


class TestEncryptedDocuments:
    """PSKC-Password (PBKDF2) and PSKC-Key (pre-shared, hex)."""

    def test_a_password_protected_document(self, post_import):
        """The right password imports it."""
        body = document(totp_key("taro"), password="qwerty")
        response = post_import(body, headers={"PSKC-Password": "qwerty"})
        assert response.json()["imported"] == 1

    def test_a_utf8_password_arrives_as_sent(self, post_import):
        """Header bytes reach PBKDF2 unchanged, so a Japanese password works."""
        body = document(totp_key("taro"), password="パスワード")
        response = post_import(body, headers={"PSKC-Password": "パスワード".encode()})
        assert response.json()["imported"] == 1

    def test_a_pre_shared_key_document(self, post_import):
        """The right key imports it."""
        body = document(totp_key("taro"), psk=PSK)
        response = post_import(body, headers={"PSKC-Key": PSK.hex()})
        assert response.json()["imported"] == 1

    def test_a_wrong_or_missing_key_imports_nothing(self, post_import, ctx, subtests):
        """422 invalid_pskc, nothing written."""
        by_password = document(totp_key("taro"), totp_key("hanako"), password="qwerty")
        by_key = document(totp_key("taro"), totp_key("hanako"), psk=PSK)
        before = row_counts(ctx)
        for name, body, headers in [
            ("wrong-password", by_password, {"PSKC-Password": "wrong"}),
            ("no-password", by_password, {}),
            ("wrong-key", by_key, {"PSKC-Key": "00" * 16}),
            ("short-key", by_key, {"PSKC-Key": "00" * 15}),
            ("not-hex", by_key, {"PSKC-Key": "not hex"}),
            ("long-key", by_key, {"PSKC-Key": "00" * 100}),
            ("long-password", by_password, {"PSKC-Password": "x" * 2000}),
            ("no-key", by_key, {}),
            ("password-for-key", by_key, {"PSKC-Password": "qwerty"}),
            ("both", by_key, {"PSKC-Key": PSK.hex(), "PSKC-Password": "qwerty"}),
        ]:
            with subtests.test(msg=name):
                assert_problem(post_import(body, headers=headers), 422, "invalid_pskc")
        assert row_counts(ctx) == before

    def test_a_mac_mismatch_imports_nothing(self, post_import, ctx):
        """One tampered value in the second key: not even the first key is imported."""
        body = document(totp_key("taro"), totp_key("hanako"), password="qwerty").decode()
        marker = "<pskc:ValueMAC>"
        second = body.index(marker, body.index(marker) + 1) + len(marker)
        tampered = body[:second] + ("A" if body[second] != "A" else "B") + body[second + 1:]
        before = row_counts(ctx)
        response = post_import(tampered.encode(), headers={"PSKC-Password": "qwerty"})
        assert_problem(response, 422, "invalid_pskc")
        assert row_counts(ctx) == before

    def test_an_absurd_pbkdf2_cost_is_refused_without_computing_it(self, post_import):
        """A document cannot make the service run PBKDF2 for minutes."""
        body = document(totp_key("taro"), password="qwerty").decode()
        body = body.replace("<IterationCount>1000</IterationCount>",
                            "<IterationCount>100000000</IterationCount>")
        assert_problem(post_import(body.encode(), headers={"PSKC-Password": "qwerty"}), 422,
                       "invalid_pskc")


class TestUnreadableDocuments:
    """Anything that is not a readable PSKC document: 422 invalid_pskc, nothing written."""

    def test_invalid_pskc(self, post_import, ctx, subtests):
        """422 for each, nothing written."""
        before = row_counts(ctx)
        for name, body in UNREADABLE.items():
            with subtests.test(msg=name):
                assert_problem(post_import(body), 422, "invalid_pskc")
        assert row_counts(ctx) == before

    def test_a_bad_value_inside_a_key(self, post_import):
        """A secret that is not base64 makes the whole document unreadable."""
        body = document(totp_key("taro")).decode()
        start = body.index("<pskc:PlainValue>") + len("<pskc:PlainValue>")
        end = body.index("</pskc:PlainValue>", start)
        body = body[:start] + "abcde" + body[end:]  # bad base64 padding
        assert_problem(post_import(body.encode()), 422, "invalid_pskc")

    def test_an_empty_container_imports_nothing_but_answers(self, post_import):
        """No keys is not an error: imported 0."""
        body = b'<KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc" Version="1.0"/>'
        assert post_import(body).json() == {"imported": 0, "tokens": [], "skipped": []}


class TestImportRequest:
    """Media type, key, size, and the audit entry."""

    def test_another_media_type_is_unsupported(self, post_import, ctx):
        """415 unsupported_media_type for JSON, forms or nothing."""
        body = document(totp_key("taro"))
        before = row_counts(ctx)
        for content_type in ("application/json", "application/x-www-form-urlencoded", ""):
            assert_problem(post_import(body, content_type=content_type), 415,
                           "unsupported_media_type")
        assert row_counts(ctx) == before

    def test_plain_xml_media_types_are_accepted(self, post_import):
        """application/xml and text/xml, with a charset."""
        body = document(totp_key("taro"))
        assert post_import(body, content_type="application/xml").status_code == 200
        assert post_import(body, content_type="text/xml; charset=utf-8").status_code == 200

    def test_the_key_is_needed(self, client, ctx):
        """401 invalid_api_key, nothing written."""
        before = row_counts(ctx)
        response = client.post(IMPORT, content=document(totp_key("taro")),
                               headers={"Content-Type": PSKC_TYPE})
        assert_problem(response, 401, "invalid_api_key")
        assert row_counts(ctx) == before

    def test_a_document_over_64_kib_is_fine(self, post_import):
        """The import's limit is 16 MiB, not 64 KiB."""
        keys = [totp_key(f"user{i}") for i in range(300)]
        body = document(*keys)
        assert len(body) > 64 * 1024
        assert post_import(body).json()["imported"] == 300

    def test_a_document_over_16_mib_is_too_large(self, post_import, ctx):
        """413 request_too_large, nothing written."""
        body = document(totp_key("taro"))
        body = body.replace(b"<pskc:KeyPackage>",
                            b"<!--" + b"x" * (16 * 1024 * 1024) + b"--><pskc:KeyPackage>", 1)
        before = row_counts(ctx)
        assert_problem(post_import(body), 413, "request_too_large")
        assert row_counts(ctx) == before

    def test_one_audit_entry_with_counts_and_no_secret(self, api, post_import):
        """tokens_imported once; the secrets appear nowhere in the trail."""
        post_import(document(totp_key("taro"), totp_key(None, "S-x")), confirmed=True)
        entries = api.audit(event="tokens_imported").json()["entries"]
        assert len(entries) == 1
        assert entries[0]["actor"] == "api"
        assert entries[0]["detail"] == {"keys": 2, "imported": 1, "skipped": 1,
                                        "reasons": {"no_user_id": 1}, "confirmed": True}
        text = json.dumps(api.audit().json())
        secret = secret_of("taro")
        for value in (secret.hex(), base64.b64encode(secret).decode(),
                      base64.b32encode(secret).decode().rstrip("=")):
            assert value not in text

    def test_a_refused_document_writes_no_audit(self, api, post_import):
        """invalid_pskc leaves no tokens_imported entry."""
        post_import(b"not xml")
        assert api.audit(event="tokens_imported").json()["entries"] == []

    def test_the_documented_example_imports(self, client, post_import):
        """The example in /openapi.json is a working document."""
        spec = client.get("/openapi.json").json()
        media = spec["paths"]["/api/v1/services/{service_id}/tokens/import"]["post"][
            "requestBody"]["content"][PSKC_TYPE]
        body = post_import(media["example"].encode()).json()
        assert body["tokens"] == [{"serial": "987654321", "user_id": "hanako",
                                   "state": "activated"}]

    def test_an_invalid_confirmed_flag(self, client, auth):
        """confirmed is a boolean: anything else is 422."""
        response = client.post(IMPORT, content=document(totp_key("taro")),
                               params={"confirmed": "maybe"},
                               headers={**auth, "Content-Type": PSKC_TYPE})
        assert_problem(response, 422, "invalid_request")


SNIPPETS = [
    b"<pskc:Counter><pskc:PlainValue>-1</pskc:PlainValue></pskc:Counter>",
    b"<pskc:Counter><pskc:PlainValue>99999999999999999999999</pskc:PlainValue></pskc:Counter>",
    b'<pskc:ResponseFormat Length="99999999999999999999" Encoding="DECIMAL"/>',
    b"<pskc:TimeInterval><pskc:PlainValue>0</pskc:PlainValue></pskc:TimeInterval>",
    b"<pskc:Time><pskc:PlainValue>abc</pskc:PlainValue></pskc:Time>",
    b"<pskc:StartDate>not a date</pskc:StartDate>", b"<pskc:UserId></pskc:UserId>",
    b"<pskc:Secret><pskc:PlainValue>=</pskc:PlainValue></pskc:Secret>",
    b"<pskc:IterationCount>-5</pskc:IterationCount>", b"<pskc:KeyLength>0</pskc:KeyLength>",
    b"<pskc:CipherValue>AAAA</pskc:CipherValue>", b"\x00", b"&amp;", b"]]>", b"<",
]


class TestHostileDocuments:
    """Whatever a document holds, the import answers or raises InvalidPskc: never a 500."""

    def test_mutated_documents(self, services, api_key):
        """Spliced, cut and salted variants of real documents, deterministically."""
        seeds = [document(totp_key("taro"), hotp_key("jiro")),
                 document(totp_key("taro"), hotp_key("jiro"), password="qwerty"),
                 document(totp_key("taro"), psk=PSK)]
        institution = services.institutions.get("0002")
        imported: list[bytes] = []

        @given(seed=st.sampled_from(seeds), data=st.data())
        @settings(max_examples=60, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(seed: bytes, data) -> None:
            at = data.draw(st.integers(0, len(seed)))
            cut = data.draw(st.integers(0, 64))
            insert = data.draw(st.sampled_from([*SNIPPETS, b""]) | st.binary(max_size=16))
            body = seed[:at] + insert + seed[at + cut:]
            for psk_hex, password in ((PSK.hex(), None), (None, "qwerty")):
                with contextlib.suppress(InvalidPskc):
                    services.imports.import_pskc(
                        institution, body, psk_hex=psk_hex, password=password,
                        confirmed=False, actor="test", source_ip=None)
                    imported.append(body)

        run()
        assert imported, "no variant was readable: the mutations are too coarse"


class TestLargeDocuments:
    """A document of several write batches is checked key by key, like a small one."""

    def test_refusals_in_the_middle_of_batches_skip_exactly_those_keys(self, api, post_import,
                                                                      ctx):
        """2 500 keys (three batches of 1 000), encrypted; in the middle: a duplicate user
        across two batches, a user with an active token, a serial held by another user, a
        serial repeated inside the document. Exactly the other 2 495 keys are imported."""
        api.active_token("u01500")
        post_import(document(totp_key("holder", "HELD")))
        keys = [totp_key(f"u{n:05d}") for n in range(2_500)]
        keys[1_200] = totp_key("twice", "TW-1")
        keys[1_800] = totp_key("twice", "TW-2")
        keys[2_100] = totp_key("u02100", "HELD")
        keys[2_300] = totp_key("u02300", "REPEATED")
        keys[2_400] = totp_key("u02400", "REPEATED")
        before = row_counts(ctx)["tokens"]
        body = post_import(document(*keys, psk=PSK), confirmed=True,
                           headers={"PSKC-Key": PSK.hex()}).json()
        assert body["skipped"] == [
            {"serial": "TW-1", "reason": "duplicate_user"},
            {"serial": "T-u01500", "reason": "token_exists"},
            {"serial": "TW-2", "reason": "duplicate_user"},
            {"serial": "HELD", "reason": "token_exists"},
            {"serial": "REPEATED", "reason": "token_exists"},
        ]
        assert body["imported"] == 2_495
        assert [t["user_id"] for t in body["tokens"]][-3:] == ["u02497", "u02498", "u02499"]
        assert row_counts(ctx)["tokens"] == before + 2_495
        assert api.get("u01500").json()["serial"] != "T-u01500"
        code = totp(secret_of("u02499"), api.clock.now().timestamp(), digits=6, period=30,
                    algorithm="sha256")
        assert api.verify("u02499", code).json()["result"] == "accepted"

    def test_a_serial_repeated_in_a_later_batch_is_token_exists(self, post_import,
                                                                monkeypatch):
        """Batches of 2: a serial repeated within a batch, and one repeated two batches
        later (the table, in the import's transaction, holds the first by then)."""
        monkeypatch.setattr(imports, "BATCH", 2)
        keys = [totp_key("a1", "SAME"), totp_key("a2"), totp_key("a3", "PAIR"),
                totp_key("a4", "PAIR"), totp_key("a5", "SAME")]
        body = post_import(document(*keys)).json()
        assert body["skipped"] == [{"serial": "PAIR", "reason": "token_exists"},
                                   {"serial": "SAME", "reason": "token_exists"}]
        assert [(t["user_id"], t["serial"]) for t in body["tokens"]] == \
            [("a1", "SAME"), ("a2", "T-a2"), ("a3", "PAIR")]

    def test_duplicate_users_with_a_filter_full_of_false_candidates(self, post_import,
                                                                   monkeypatch):
        """A filter of 8 bits makes a candidate of nearly every user: the exact count
        from the spool still refuses only the user named twice."""
        monkeypatch.setattr(repeats, "BITS", 8)
        keys = [totp_key(f"u{n}") for n in range(40)]
        keys[5], keys[30] = totp_key("twice", "TW-1"), totp_key("twice", "TW-2")
        body = post_import(document(*keys)).json()
        assert body["skipped"] == [{"serial": "TW-1", "reason": "duplicate_user"},
                                   {"serial": "TW-2", "reason": "duplicate_user"}]
        assert body["imported"] == 38

    def test_without_the_list_the_counts_and_the_rows_are_the_same(self, services, api_key,
                                                                   ctx):
        """list_tokens=False (the CLI's default): the count, the skips, the rows; no list."""
        institution = services.institutions.get("0002")
        body = document(totp_key("taro"), totp_key("jiro"), totp_key(None), psk=PSK)
        before = row_counts(ctx)["tokens"]
        result = services.imports.import_pskc(
            institution, body, psk_hex=PSK.hex(), password=None, confirmed=False,
            actor="test", source_ip=None, list_tokens=False)
        assert (result.imported, result.tokens) == (2, [])
        assert [(k.serial, k.reason.value) for k in result.skipped] == [("T-None", "no_user_id")]
        assert row_counts(ctx)["tokens"] == before + 2
