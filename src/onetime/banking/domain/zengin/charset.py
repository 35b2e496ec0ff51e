"""The 全銀 character set of C fields, and names typed on screen folded into it.

A C field holds single bytes only (JIS X 0201 as cp932 encodes it): space, the digits,
A–Z, half-width katakana ｦ–ﾝ with ｰ and the separate sound marks ﾞ ﾟ, and the symbols
( ) - . / , ¥ — ¥ being byte 0x5C, which cp932 decodes as a backslash. Small kana
(ｧ ｬ ｯ …) are not in the set: banks write them large (ｷﾔﾉﾝ for キャノン).
"""

from __future__ import annotations

import unicodedata

import jaconv

from onetime.banking.domain.zengin.errors import InvalidZenginText

YEN = 0x5C
_KANA = bytes(range(0xA6, 0xA7)) + bytes(range(0xB0, 0xE0))  # ｦ, then ｰ ｱ … ﾝ ﾞ ﾟ
_SYMBOLS = b" ()-./,\\"
ALLOWED = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _SYMBOLS + _KANA)
DIGITS = frozenset(b"0123456789")
# Every allowed byte as text and back: one table each way, no codec surprises with ¥.
_TEXT = {b: (b"\\" if b == YEN else bytes([b])).decode("cp932") for b in ALLOWED}
_TEXT[YEN] = "¥"
_BYTE = {text: b for b, text in _TEXT.items()}
# Small kana a name may be typed with, and the large ones the format writes instead.
_LARGE = str.maketrans("ｧｨｩｪｫｬｭｮｯ", "ｱｲｳｴｵﾔﾕﾖﾂ")


_DELETE = {DIGITS: bytes(sorted(DIGITS)), ALLOWED: bytes(sorted(ALLOWED))}


def first_invalid(raw: bytes, allowed: frozenset[int] = ALLOWED) -> int | None:
    """The index of the first byte of `raw` outside `allowed` (DIGITS or ALLOWED), or None."""
    if not raw.translate(None, _DELETE[allowed]):  # in C: the common, valid case
        return None
    return next(i for i, b in enumerate(raw) if b not in allowed)


def decode(raw: bytes) -> str:
    """Text of a C field's bytes, all in ALLOWED (callers check first_invalid)."""
    return raw.decode("cp932").replace("\\", "¥")


def encode(text: str) -> bytes:
    """The bytes of `text`, each character in the set. Raises InvalidZenginText."""
    if "\\" not in text:  # a backslash would pass as ¥ below; it is not in the set
        try:
            raw = text.replace("¥", "\\").encode("cp932")
        except UnicodeEncodeError:
            raw = None
        if raw is not None and len(raw) == len(text) and first_invalid(raw) is None:
            return raw
    raise InvalidZenginText(next(c for c in text if c not in _BYTE))


def to_half_width(text: str) -> str:
    """A name as typed on screen ('カ)ヤマダ', 'ｶﾌﾞｼｷｶﾞｲｼｬ', 'ｙａｍａｄａ') in the 全銀 set
    ('ｶ)ﾔﾏﾀﾞ'): full-width to half-width, hiragana to katakana, small kana large, letters
    upper case, runs of spaces single. Raises InvalidZenginText naming the first
    character that has no place in the set (漢字, ！, ＠ …).
    """
    # NFKC folds full-width letters, digits and symbols (but also half-width kana to
    # full-width, so it comes first); jaconv then writes the katakana half-width, with
    # the sound marks as separate characters.
    text = unicodedata.normalize("NFKC", text).replace("￥", "¥").replace("\\", "¥")
    text = jaconv.z2h(jaconv.hira2kata(text), kana=True, ascii=True, digit=True)
    text = " ".join(text.upper().translate(_LARGE).split())
    for c in text:
        if c not in _BYTE:
            raise InvalidZenginText(c)
    return text
