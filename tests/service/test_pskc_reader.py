"""The streaming PSKC reader reads every document exactly as python-pskc's own parser does.

service/pskc_reader.py reads usual KeyPackages itself (pskc_quick.py), for speed, and hands
any other to python-pskc (pskc_fallback.py). It is hand-written parsing of input from
outside, so it is held to the library as an oracle: documents written by python-pskc
itself, with keys, encryption and MAC chosen by hypothesis, must give the same keys
through both paths, or the same refusal.
"""

from __future__ import annotations

import io
from dataclasses import astuple

import pskc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetime.domain.errors import InvalidPskc
from onetime.service import pskc_fallback, pskc_reader

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
    return [astuple(pskc_fallback.as_key(key)) for key in container.keys]


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


def _fallback_refused(monkeypatch) -> None:
    """Make the reading through python-pskc fail loudly: what still reads went the quick way."""

    def refuse(*_args):
        raise AssertionError("the package left the quick path")

    monkeypatch.setattr(pskc_fallback, "keys", refuse)


class TestQuickPath:
    """RFC 6030's usual packages never reach python-pskc's objects, and read the same."""

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.function_scoped_fixture])
    @given(entries=st.lists(keys, min_size=1, max_size=4), protect=protection)
    def test_documents_python_pskc_writes_take_the_quick_path(self, monkeypatch, entries,
                                                              protect):
        doc = document(entries, protect)
        psk_hex, password = credentials(protect)
        expected = by_library(doc, psk_hex, password)
        with monkeypatch.context() as patch:
            _fallback_refused(patch)
            assert [astuple(k) for k in pskc_reader.read(doc, psk_hex, password)] == expected


# -- documents written by hand in the shapes of RFC 6030's figures ---------------------------

RFC_PSK = bytes.fromhex("12345678901234567890123456789012")
MAC_KEY = bytes.fromhex("1122334455667788990011223344556677889900")
AES = {"aes128-cbc": RFC_PSK, "aes256-cbc": RFC_PSK * 2}
XENC = "http://www.w3.org/2001/04/xmlenc#"


def _cbc(key: bytes, plain: bytes, iv: bytes = bytes(range(16)), *, pad: bool = True) -> bytes:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    if pad:
        padder = padding.PKCS7(128).padder()
        plain = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(plain) + encryptor.finalize()


def _b64(data: bytes) -> str:
    import base64
    return base64.b64encode(data).decode()


def _encrypted(cipher: bytes, algorithm: str | None, mac: bytes | None) -> str:
    method = f'<xenc:EncryptionMethod Algorithm="{XENC}{algorithm}"/>' if algorithm else ""
    value_mac = f"<ValueMAC>{_b64(mac)}</ValueMAC>" if mac is not None else ""
    return (f"<EncryptedValue>{method}<xenc:CipherData><xenc:CipherValue>{_b64(cipher)}"
            f"</xenc:CipherValue></xenc:CipherData></EncryptedValue>{value_mac}")


def rfc_document(variant: str) -> tuple[bytes, str | None]:
    """A one-package document of RFC 6030 §6.1's kind (figure 6) with one thing varied;
    (the document, the pre-shared key in hex)."""
    import hmac as hmac_module
    cipher_name = "aes256-cbc" if variant == "aes256" else "aes128-cbc"
    key = AES[cipher_name]
    secret = b"12345678901234567890"
    cipher = _cbc(key, secret)
    if variant == "bad-padding":
        cipher = _cbc(key, secret + b"\x00" * 12, pad=False)
    digest = "sha256" if variant == "hmac-sha256" else "sha1"
    mac = hmac_module.digest(MAC_KEY, secret if variant == "mac-over-plaintext" else cipher,
                             digest)
    if variant == "wrong-mac":
        mac = bytes(len(mac))
    if variant == "no-mac":
        mac = None
    counter = "<PlainValue>0</PlainValue>"
    if variant == "encrypted-counter":  # 7, big-endian, with its own IV and MAC
        counter_cipher = _cbc(key, b"\x00" * 7 + b"\x07", bytes(range(1, 17)))
        counter = _encrypted(counter_cipher, cipher_name,
                             hmac_module.digest(MAC_KEY, counter_cipher, digest))
    extra = ("<Policy><PINPolicy MinLength='4' MaxLength='4' PINKeyId='123456781' "
             "PINEncoding='DECIMAL' PINUsageMode='Local'/><KeyUsage>OTP</KeyUsage></Policy>"
             if variant == "policy" else "")
    device_extra = ("<StartDate>2006-05-01T00:00:00Z</StartDate>"
                    "<ExpiryDate>2012-05-31T00:00:00Z</ExpiryDate>" if variant == "dates" else "")
    drift = (f"<TimeDrift>{_encrypted(b'x' * 32, cipher_name, None)}</TimeDrift>"
             if variant == "undecryptable-drift" else "")
    mac_method = f"http://www.w3.org/2001/04/xmldsig-more#hmac-{digest}" \
        if digest != "sha1" else "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0"
    xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
  <EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>
  <MACMethod Algorithm="{mac_method}">
    <MACKey>
      <xenc:EncryptionMethod Algorithm="{XENC}{cipher_name}"/>
      <xenc:CipherData><xenc:CipherValue>{_b64(_cbc(key, MAC_KEY))}</xenc:CipherValue>
      </xenc:CipherData>
    </MACKey>
  </MACMethod>
  <KeyPackage>
    <DeviceInfo>
      <Manufacturer>Manufacturer</Manufacturer>
      <SerialNo>987654321</SerialNo>{device_extra}
    </DeviceInfo>
    <CryptoModuleInfo><Id>CM_ID_001</Id></CryptoModuleInfo>
    <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <Issuer>Issuer</Issuer>
      <AlgorithmParameters>
        <ResponseFormat Length="8" Encoding="DECIMAL"/>
      </AlgorithmParameters>
      <Data>
        <Secret>{_encrypted(cipher, cipher_name, mac)}</Secret>
        <Counter>{counter}</Counter>{drift}
      </Data>
      <UserId>DC=example-bank,DC=net</UserId>{extra}
    </Key>
  </KeyPackage>
</KeyContainer>
"""
    if variant == "no-crypto-module":
        body = body.replace("<CryptoModuleInfo><Id>CM_ID_001</Id></CryptoModuleInfo>", "")
    return body.encode(), key.hex()


VARIANTS = ["usual", "no-crypto-module", "aes256", "hmac-sha256", "mac-over-plaintext",
            "no-mac", "encrypted-counter", "policy", "dates", "undecryptable-drift",
            "wrong-mac", "bad-padding"]


class TestRfc6030Shapes:
    """Each variant reads exactly as python-pskc reads it, or both refuse it."""

    @pytest.mark.parametrize("variant", VARIANTS)
    def test_same_keys_or_same_refusal(self, variant):
        doc, psk_hex = rfc_document(variant)
        try:
            expected = by_library(doc, psk_hex, None)
        except pskc.exceptions.PSKCError:
            with pytest.raises(InvalidPskc) as refused:
                pskc_reader.read(doc, psk_hex, None)
            assert str(refused.value) == pskc_fallback.UNDECRYPTABLE
            return
        ours = [astuple(key) for key in pskc_reader.read(doc, psk_hex, None)]
        assert ours == expected
        assert ours[0][0] == "987654321"  # the serial: the document was read, not emptied

    @pytest.mark.parametrize("variant", ["usual", "aes256", "hmac-sha256",
                                         "mac-over-plaintext", "no-mac", "encrypted-counter",
                                         "no-crypto-module"])
    def test_the_usual_ones_take_the_quick_path(self, variant, monkeypatch):
        """Figure 6's own shape and its usual variations never leave the quick path."""
        doc, psk_hex = rfc_document(variant)
        expected = by_library(doc, psk_hex, None)
        _fallback_refused(monkeypatch)
        assert [astuple(key) for key in pskc_reader.read(doc, psk_hex, None)] == expected

    def test_a_wrong_mac_and_bad_padding_are_refused(self):
        """The two variants that must fail do: the comparison above is not vacuous."""
        for variant in ("wrong-mac", "bad-padding"):
            doc, psk_hex = rfc_document(variant)
            with pytest.raises(InvalidPskc):
                pskc_reader.read(doc, psk_hex, None)

    def test_the_document_streams_in_chunks(self, monkeypatch):
        """Packages split across feeds of the parser read like one feed's."""
        doc = document([{"secret": bytes([n]) * 20, "serial": f"S{n}", "key_userid": f"u{n}",
                         "algorithm": TOTP} for n in range(40)], "psk+mac")
        whole = pskc_reader.read(doc, PSK, None)
        monkeypatch.setattr(pskc_reader, "CHUNK", 97)
        assert pskc_reader.read(doc, PSK, None) == whole
        assert [key.serial for key in whole] == [f"S{n}" for n in range(40)]
