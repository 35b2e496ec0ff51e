"""The one message catalogue: both languages whole, and every id the code names is in it."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from onetime import i18n
from onetime.i18n import DOMAINS, LANGUAGES, Translator, messages

SRC = Path(i18n.__file__).resolve().parents[1]
LOCALE = Path(i18n.__file__).resolve().parent / "locale"
# Where each domain's ids are named (the Makefile's I18N_SOURCES_* say the same).
SOURCES = {"site": ["web", "banking", "domain"], "app": ["app"], "mail": ["mail"]}
ID = re.compile(r"[a-z_]+(?:\.[a-z_]+)+")
KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Literals shaped like ids that are not: file names, and Textual's action names.
NOT_IDS = re.compile(r".*\.(html|j2|tcss|txt|json|po)|app\.quit")


def catalog(lang: str, domain: str):
    with (LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        return read_po(po, locale=lang, domain=domain)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def extracted(domain: str) -> Iterator[tuple[str, str]]:
    """(where, id) of every `t("…")` / `_("…")` in the domain's code and templates, found as
    `make i18n` finds them (pybabel's extractors, src/onetime/i18n/babel.cfg)."""
    with (SRC / "i18n" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    for package in SOURCES[domain]:
        for name, lineno, message, _, _ in extract_from_dir(
                SRC / package, method_map, options_map, keywords={"t": None, "_": None}):
            yield f"{package}/{name}:{lineno}", message


def literals(domain: str) -> Iterator[tuple[str, str]]:
    """(where, text) of every string literal in the domain's Python code, and the constant
    head of each f-string (`f"error.{code}"` → `error.`)."""
    for package in SOURCES[domain]:
        for path in (SRC / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                where = f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    yield where, node.value
                elif (isinstance(node, ast.JoinedStr) and node.values
                      and isinstance(node.values[0], ast.Constant)):
                    yield where, str(node.values[0].value)


def template_literals(domain: str) -> Iterator[str]:
    """Every quoted string in the domain's templates: ids and heads (`'role.' ~ role`)."""
    for package in SOURCES[domain]:
        for path in (SRC / package).rglob("templates/**/*"):
            if path.is_file():
                yield from re.findall(r"'([^'\n]*)'|\"([^\"\n]*)\"", path.read_text())


class TestBothLanguages:
    @pytest.mark.parametrize("domain", DOMAINS)
    def test_japanese_and_english_have_the_same_ids(self, domain):
        """No message only one language has: English is the switch for every screen."""
        ja, en = set(messages("ja", domain)), set(messages("en", domain))
        assert ja - en == set(), f"only in ja: {sorted(ja - en)}"
        assert en - ja == set(), f"only in en: {sorted(en - ja)}"

    @pytest.mark.parametrize("domain", DOMAINS)
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_message_is_translated_and_none_is_fuzzy(self, domain, lang):
        """What `messages()` leaves out (empty, fuzzy, obsolete) would show Japanese or an id."""
        po = catalog(lang, domain)
        assert not po.obsolete, sorted(po.obsolete)
        for message in po:
            if message.id:
                assert message.string, f"{lang}/{domain}: {message.id} is empty"
                assert not message.fuzzy, f"{lang}/{domain}: {message.id} is fuzzy"

    @pytest.mark.parametrize("domain", DOMAINS)
    def test_placeholders_match_between_languages(self, domain):
        """`{attempts_left}` in Japanese is `{attempts_left}` in English, and nothing more."""
        ja, en = messages("ja", domain), messages("en", domain)
        for key in ja.keys() & en.keys():
            assert placeholders(ja[key]) == placeholders(en[key]), key

    @pytest.mark.parametrize("domain", DOMAINS)
    def test_english_is_english(self, domain):
        """The switch shows no Japanese, but where a text names the other language or a
        Japanese term on purpose (当組合窓口)."""
        allowed = {"lang.other", "language.ja", "mail.not_you"}
        for key, text in messages("en", domain).items():
            assert key in allowed or not KANA_KANJI.search(text), key


class TestReferences:
    @pytest.mark.parametrize("domain", DOMAINS)
    def test_every_id_named_in_code_and_templates_exists(self, domain):
        """`t("id")` in Python and in templates; an id built from a head (`'state.' ~ s`)
        needs at least one message under that head."""
        ids = set(messages("ja", domain))
        found = list(extracted(domain))
        assert len(found) > 10, "the extractor found nothing: the scan itself is broken"
        for where, key in found:
            if key.endswith("."):
                assert any(i.startswith(key) for i in ids), f"{where}: no {key}*"
            else:
                assert key in ids, f"{where}: {key}"

    @pytest.mark.parametrize("domain", DOMAINS)
    def test_every_id_shaped_literal_exists(self, domain):
        """Ids passed around before they meet `t` (a step-up label, a key binding, a flash,
        a title) are checked too: a string shaped like an id of a family the domain has."""
        ids = set(messages("ja", domain))
        families = {i.split(".")[0] for i in ids}
        for where, text in literals(domain):
            if NOT_IDS.fullmatch(text):
                continue
            if ID.fullmatch(text) and text.split(".")[0] in families:
                assert text in ids, f"{where}: {text}"
            elif text.endswith(".") and ID.fullmatch(text + "x") and text[:-1] in families:
                assert any(i.startswith(text) for i in ids), f"{where}: no {text}*"

    @pytest.mark.parametrize("domain", DOMAINS)
    def test_every_message_is_named_somewhere(self, domain):
        """No dead message: each id is named whole, or under a head the code builds ids from
        (`f"error.{code}"`, `'role.' ~ role`); formats are named by the Translator."""
        named = {text for _, text in literals(domain)} | {k for _, k in extracted(domain)}
        named |= {text for pair in template_literals(domain) for text in pair}
        named |= {"format.datetime", "format.date", "format.clock_time", "common.yen"}
        heads = {text for text in named if text.endswith(".")}
        for key in messages("ja", domain):
            assert key in named or any(key.startswith(h) for h in heads), key

    def test_a_missing_id_is_caught(self, tmp_path):
        """The scan can fail: a template naming an unknown id is reported."""
        (tmp_path / "templates").mkdir()
        (tmp_path / "templates" / "x.html").write_text("{{ t('login.no_such_label') }}")
        with (SRC / "i18n" / "babel.cfg").open() as cfg:
            method_map, options_map = parse_mapping_cfg(cfg)
        found = [m for _, _, m, _, _ in extract_from_dir(tmp_path, method_map, options_map,
                                                           keywords={"t": None})]
        assert found == ["login.no_such_label"]
        assert "login.no_such_label" not in messages("ja", "site")


class TestTranslator:
    def test_japanese_is_the_default(self):
        assert Translator(None, "site")("login.title") == "ログイン"
        assert Translator("fr", "site")("login.title") == "ログイン"
        assert Translator("en", "site")("login.title") == "Log in"

    def test_placeholders_are_filled_in(self):
        t = Translator("ja", "site")
        assert t("top.welcome", name="山田") == \
            "山田 様、いつもご利用いただきありがとうございます。"

    def test_dates_as_the_site_shows_them(self):
        from datetime import UTC, datetime, time
        at = datetime(2026, 11, 26, 23, 10, tzinfo=UTC)  # 08:10 the next day in Tokyo
        assert Translator("ja", "site").datetime(at) == "2026年11月27日 8:10"
        assert Translator("en", "site").datetime(at) == "27 Nov 2026, 8:10"
        assert Translator("ja", "mail").datetime(at) == "2026年11月27日 8:10"
        assert Translator("en", "mail").datetime(at) == "27 November 2026, 8:10 (Japan time)"
        assert Translator("ja", "site").clock_time(time(20, 50)) == "20時50分"
        assert Translator("en", "site").clock_time(time(8, 10)) == "8:10"
        assert Translator("ja", "site").yen(1234567) == "1,234,567円"
        assert Translator("en", "site").yen(1234567) == "¥1,234,567"

    def test_an_unknown_id_reads_as_itself(self):
        """A screen never fails on a label; the tests above keep ids from going missing."""
        assert Translator("en", "site")("no.such_id") == "no.such_id"
        assert not Translator("en", "site").knows("no.such_id")
