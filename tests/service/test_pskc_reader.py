"""The streaming PSKC reader reads every document exactly as python-pskc's own parser does.

service/pskc_reader.py reads usual KeyPackages itself, for speed, and hands any other to
python-pskc. It is hand-written parsing of input from outside, so it is held to the
library as an oracle: documents written by python-pskc itself, with keys, encryption and
MAC chosen by hypothesis, must give the same keys through both paths, or the same refusal.
"""

from __future__ import annotations

import io
from dataclasses import astuple

import pskc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetime.domain.errors import InvalidPskc
from onetime.service import pskc_reader

PSK = "12345678901234567890123456789012"
PASSWORD = "qwerty"
TOTP = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
HOTP = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"

user_ids = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,20}",
                                              fullmatch=True))
keys = st.fixed_dictionaries({
    "secret": st.binary(min_size=10, max_size=64),
    "serial": st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True)),
    "key_userid": user_ids,
    "device_userid": user_ids,
    "algorithm": st.sampled_from([TOTP, HOTP, "urn:example:unknown"]),
    "algorithm_suite": st.sampled_from([None, "HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512"]),
    "response_length": st.one_of(st.none(), st.integers(min_value=6, max_value=10)),
    "time_interval": st.one_of(st.none(), st.sampled_from([30, 60])),
    "counter": st.one_of(st.none(), st.integers(min_value=0, max_value=2**40)),
})
protection = st.sampled_from(["none", "psk", "psk+mac", "password"])


def document(entries: list[dict], protect: str) -> bytes:
    container = pskc.PSKC()
    if protect.startswith("psk"):
        container.encryption.setup_preshared_key(key=bytes.fromhex(PSK))
    elif protect == "password":
        container.encryption.setup_pbkdf2(PASSWORD, iterations=10)
    if protect in ("psk+mac", "password"):
        container.mac.setup()
    for entry in entries:
        values = {k: v for k, v in entry.items() if v is not None}
        container.add_key(**values)
    out = io.BytesIO()
    container.write(out)
    return out.getvalue()


def by_library(doc: bytes, psk_hex: str | None, password: str | None) -> list[tuple]:
    """What python-pskc's own parser reads, mapped to our Key as the reader maps it."""
    container = pskc.PSKC(io.BytesIO(doc))
    if psk_hex is not None:
        container.encryption.key = bytes.fromhex(psk_hex)
    elif password is not None:
        container.encryption.derive_key(password)
    return [astuple(pskc_reader._key(key)) for key in container.keys]


def credentials(protect: str) -> tuple[str | None, str | None]:
    return {"none": (None, None), "psk": (PSK, None), "psk+mac": (PSK, None),
            "password": (None, PASSWORD)}[protect]


class TestAgainstPythonPskc:
    @settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
    @given(entries=st.lists(keys, min_size=1, max_size=6), protect=protection)
    def test_every_document_reads_as_the_library_reads_it(self, entries, protect):
        """Same keys, same fields, same order, secrets included."""
        doc = document(entries, protect)
        psk_hex, password = credentials(protect)
        ours = [astuple(key) for key in pskc_reader.read(doc, psk_hex, password)]
        assert ours == by_library(doc, psk_hex, password)
        assert len(ours) == len(entries)

    @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
    @given(entries=st.lists(keys, min_size=1, max_size=3),
           protect=st.sampled_from(["psk", "psk+mac"]))
    def test_a_wrong_key_is_refused_as_the_library_refuses_it(self, entries, protect):
        """Neither path yields a secret under the wrong pre-shared key."""
        doc = document(entries, protect)
        wrong = "ff" * 16
        with pytest.raises(InvalidPskc):
            pskc_reader.read(doc, wrong, None)
        with pytest.raises(pskc.exceptions.PSKCError):
            by_library(doc, wrong, None)

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(entries=st.lists(keys, min_size=1, max_size=3), protect=protection,
           cut=st.integers(min_value=1, max_value=400))
    def test_a_truncated_document_is_refused_never_a_crash(self, entries, protect, cut):
        """Any prefix of a document: InvalidPskc, or (if it still parses) the library's keys."""
        doc = document(entries, protect)
        prefix = doc[:max(1, len(doc) - cut)]
        psk_hex, password = credentials(protect)
        try:
            ours = [astuple(key) for key in pskc_reader.read(prefix, psk_hex, password)]
        except InvalidPskc:
            return
        assert ours == by_library(prefix, psk_hex, password)
