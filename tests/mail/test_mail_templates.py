"""The mails' wording, rendered from the templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import onetime.mail
from onetime.mail import ForbiddenContextKey, MailTemplateError, render

TOKYO = ZoneInfo("Asia/Tokyo")
AT = datetime(2026, 11, 26, 11, 40, tzinfo=UTC)

CONTEXTS: dict[str, dict[str, Any]] = {
    "token_issued": {
        "service_id": "0310",
        "user_id": "yamada01",
        "download_url": "https://otp-auth.net/app",
    },
    "token_set_up": {"user_id": "yamada01", "activated_at": AT},
    "token_suspended": {"user_id": "yamada01", "suspended_at": AT},
    "token_released": {"user_id": "yamada01", "released_at": AT},
    "token_revoked": {
        "user_id": "yamada01",
        "revoked_at": datetime(2026, 11, 26, 20, 55, tzinfo=TOKYO),
        "setup_available_at": datetime(2026, 11, 27, 8, 10, tzinfo=TOKYO),
    },
}
NOTICES = ["token_set_up", "token_suspended", "token_released", "token_revoked"]


class TestEveryKind:
    """Each kind of mail exists in Japanese and English."""

    @pytest.mark.parametrize("lang", ["ja", "en"])
    @pytest.mark.parametrize("kind", sorted(CONTEXTS))
    def test_renders_a_subject_and_a_body(
        self, kind: str, lang: str, institution: dict[str, str]
    ) -> None:
        """One line of subject naming the institution; a body with the user and the support desk."""
        subject, body = render(kind, lang, **institution, **CONTEXTS[kind])
        assert "\n" not in subject
        assert "茨城県信用組合" in subject
        assert "yamada01" in body
        assert "けんしんインターネットバンキングサポートセンター" in body
        assert body.endswith("\n")
        assert not body.endswith("\n\n")

    @pytest.mark.parametrize("kind", NOTICES)
    def test_japanese_notice_ends_by_sending_the_user_to_the_branch(
        self, kind: str, institution: dict[str, str]
    ) -> None:
        """A user who did not do this learns at once whom to call."""
        _, body = render(kind, "ja", **institution, **CONTEXTS[kind])
        assert body.splitlines()[-1] == "お心当たりのない場合は、至急当組合窓口までご連絡ください。"

    @pytest.mark.parametrize("kind", NOTICES)
    def test_english_notice_ends_by_sending_the_user_to_the_branch(
        self, kind: str, institution: dict[str, str]
    ) -> None:
        """The English text names the branch too."""
        _, body = render(kind, "en", **institution, **CONTEXTS[kind])
        assert body.splitlines()[-1] == (
            "If this was not you, please contact our branch (当組合窓口) immediately."
        )

    def test_japanese_is_the_default_language(self, institution: dict[str, str]) -> None:
        """render(kind) is the Japanese mail."""
        context = institution | CONTEXTS["token_released"]
        assert render("token_released", **context) == render("token_released", "ja", **context)


class TestTokenIssued:
    """The issuance mail of the manual's 手順2."""

    def test_has_the_manuals_wording(self, institution: dict[str, str]) -> None:
        """Greeting, instruction, IDs, download URL and the send-only closing, as in the manual."""
        _, body = render("token_issued", **institution, **CONTEXTS["token_issued"])
        assert body.splitlines()[:2] == [
            "いつも茨城県信用組合をご利用いただきありがとうございます。",
            "トークンアプリにサービスID、ユーザID、利用開始パスワードを入力し、"
            "トークンの設定を行ってください。",
        ]
        for line in [
            "サービスID：0310",
            "ユーザID：yamada01",
            "トークンアプリをお持ちでない場合には、下記のURLよりダウンロードしてください。",
            "ダウンロードURL：https://otp-auth.net/app",
            "これからも茨城県信用組合をよろしくお願いいたします。",
            "本メールは送信専用のアドレスから送付しております。ご返信いただいても受付できません。",
            "ご不明な点がございましたら、"
            "けんしんインターネットバンキングサポートセンターまでご連絡ください。",
        ]:
            assert line in body.splitlines()

    def test_english_version_has_the_same_facts(self, institution: dict[str, str]) -> None:
        """Service ID, user ID and download URL, in English."""
        _, body = render("token_issued", "en", **institution, **CONTEXTS["token_issued"])
        assert "Service ID: 0310" in body
        assert "User ID: yamada01" in body
        assert "Download URL: https://otp-auth.net/app" in body

    def test_activation_password_can_not_be_put_in(self, institution: dict[str, str]) -> None:
        """Even a caller who tries cannot mail the activation password (rule 5)."""
        with pytest.raises(ForbiddenContextKey):
            render(
                "token_issued",
                **institution,
                **CONTEXTS["token_issued"],
                activation_password="48213907",
            )


class TestTimes:
    """Times are told in bank local time, Asia/Tokyo."""

    def test_revoked_at_2055_says_setup_opens_at_0810_next_day(
        self, institution: dict[str, str]
    ) -> None:
        """The manual's example: setup reopens at 8:10."""
        _, body = render("token_revoked", **institution, **CONTEXTS["token_revoked"])
        assert "失効日時：2026年11月26日 20:55" in body
        assert "2026年11月27日 8:10 以降に初期設定が可能です。" in body

    def test_utc_times_are_shown_in_tokyo_time(self, institution: dict[str, str]) -> None:
        """11:40 UTC is 20:40 in Tokyo."""
        _, ja = render("token_suspended", **institution, **CONTEXTS["token_suspended"])
        _, en = render("token_suspended", "en", **institution, **CONTEXTS["token_suspended"])
        assert "停止日時：2026年11月26日 20:40" in ja
        assert "Suspended at: 26 November 2026, 20:40 (Japan time)" in en

    def test_english_revocation_says_when_setup_opens(self, institution: dict[str, str]) -> None:
        """The same reopening time in English."""
        _, body = render("token_revoked", "en", **institution, **CONTEXTS["token_revoked"])
        assert "You can set up a new token from 27 November 2026, 8:10 (Japan time)." in body

    def test_naive_time_is_refused(self, institution: dict[str, str]) -> None:
        """A time without a zone cannot be told in Tokyo time."""
        with pytest.raises(MailTemplateError, match="aware"):
            render(
                "token_released",
                **institution,
                user_id="yamada01",
                released_at=datetime(2026, 11, 26, 8, 10),
            )


class TestRefusals:
    """What render will not do."""

    @pytest.mark.parametrize(
        "key",
        [
            "activation_password",
            "password",
            "secret",
            "code",
            "login_password",
            "token_secret",
            "secret_key",
            "otp_code",
            "codes",
            "lock_code",
            "ActivationPassword",
        ],
    )
    def test_secret_like_context_key_is_refused(
        self, key: str, institution: dict[str, str]
    ) -> None:
        """Defence in depth: no template ever receives a password, secret or code."""
        with pytest.raises(ValueError, match=key):
            render("token_issued", **institution, **CONTEXTS["token_issued"], **{key: "x"})

    def test_refusal_happens_before_anything_else(self) -> None:
        """Even with an unknown kind, the forbidden key is what is reported."""
        with pytest.raises(ForbiddenContextKey):
            render("no_such_kind", secret="x")

    def test_unknown_kind(self, institution: dict[str, str]) -> None:
        """Only the five kinds exist."""
        with pytest.raises(MailTemplateError, match="kind"):
            render("token_lost", **institution)

    def test_unknown_language(self, institution: dict[str, str]) -> None:
        """Japanese and English only."""
        with pytest.raises(MailTemplateError, match="language"):
            render("token_issued", "fr", **institution, **CONTEXTS["token_issued"])

    def test_missing_context_value(self, institution: dict[str, str]) -> None:
        """StrictUndefined: a forgotten value is an error, not an empty field."""
        context = dict(CONTEXTS["token_issued"])
        del context["service_id"]
        with pytest.raises(MailTemplateError, match="service_id"):
            render("token_issued", **institution, **context)


class TestOneTemplatePerKind:
    """The words come from the catalogue (`onetime.i18n`, domain `mail`), not the templates."""

    def test_templates_hold_no_text_of_their_own(self) -> None:
        """Outside its tags a template is only line breaks: one file serves every language."""
        templates = Path(onetime.mail.__file__).parent / "templates"
        files = sorted(templates.glob("*.txt.j2"))
        assert len(files) == 7
        for template in files:
            markup = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", template.read_text(),
                            flags=re.S)
            assert markup.strip() == "", template.name
