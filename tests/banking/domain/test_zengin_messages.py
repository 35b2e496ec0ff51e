"""The 全銀 problems on screen: a message per code and a label per field, in both languages."""

from __future__ import annotations

import pytest

from onetime.banking.domain.zengin import Problem
from onetime.banking.domain.zengin.errors import CODES, describe, field_label_id, message_id
from onetime.banking.domain.zengin.layout import LAYOUTS
from onetime.i18n import Translator, messages

FIELDS = sorted({f.name for fields in LAYOUTS.values() for f in fields})


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_code_and_every_field_has_a_message(lang):
    catalogue = messages(lang, "site")
    assert [c for c in CODES if message_id(c) not in catalogue] == []
    assert [f for f in FIELDS if field_label_id(f) not in catalogue] == []


def test_japanese_labels_are_the_format_s_names():
    """A field that appears in one record only has the name the format's table gives it."""
    ja = messages("ja", "site")
    for fields in LAYOUTS.values():
        for f in fields:
            if f.name in ("requester_name", "recipient_name", "amount", "transfer_date",
                          "count", "total", "clearing_house", "edi_info"):
                assert ja[field_label_id(f.name)] == f.label


def test_a_problem_as_the_site_shows_it():
    problem = Problem(line=4, record="data", field="amount", offset=454, code="not_numeric")
    assert describe(problem, Translator("ja", "site")) == (
        "4行目 振込金額：数字以外の文字があります。")
    assert describe(problem, Translator("en", "site")) == "Line 4, Amount: Digits only."
    whole = Problem(line=6, record=None, field=None, offset=700, code="missing_end")
    assert describe(whole, Translator("ja", "site")) == (
        "6行目 ファイル：エンドレコードがありません。")
