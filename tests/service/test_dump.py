"""DESIGN.md §5: a database dump shows no secret, no password, no activation password."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import select

from onetime.banking.storage.schema import metadata as banking_metadata
from onetime.crypto import TEST_KDF, derive_key
from onetime.setup.protocol import password_salt
from onetime.storage.schema import metadata

from .world import live_full_lives


@dataclass
class Dump:
    """Every row of every table: text as text, binary columns as raw bytes and as hex."""

    text: str
    hex: str
    blobs: bytes

    def shows(self, needle: str) -> bool:
        """Whether a string is in the dump, as text or as bytes inside a binary column."""
        return needle in self.text or needle.encode() in self.blobs

    def shows_bytes(self, needle: bytes) -> bool:
        return needle in self.blobs or needle.hex() in self.text or needle.hex() in self.hex


def dump(ctx) -> Dump:
    texts: list[str] = []
    blobs: list[bytes] = []
    with ctx.db.read() as conn:
        for table in [*metadata.sorted_tables, *banking_metadata.sorted_tables]:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        blobs.append(bytes(value))
                    elif value is not None:
                        texts.append(str(value))
    return Dump("\n".join(texts), "\n".join(b.hex() for b in blobs), b"\n".join(blobs))


class TestDatabaseDump:
    def test_a_dump_after_full_lives_shows_nothing_secret(self, bank, services):
        """No secret (raw, hex, base32), activation password or its key, API key or code."""
        _other, api_key = services.institutions.add("0002", "第二信用組合",
                                                    "otp@second.example.jp")
        rotated_key = services.institutions.rotate_api_key("0001")
        live_full_lives(bank)
        found = dump(services.ctx)
        assert "taro@example.jp" in found.text  # the dump is real: it holds the users

        assert bank.secrets
        assert bank.passwords
        assert bank.codes
        for secret in bank.secrets:
            assert not found.shows_bytes(secret)
            assert not found.shows(secret.hex().upper())
            assert not found.shows(base64.b32encode(secret).decode().rstrip("="))
        for password in set(bank.passwords):
            assert not found.shows(password)
            for user_id in ("taro", "hanako", "jiro", "saburo", "shiro"):
                derived = derive_key(password, password_salt("0001", user_id), TEST_KDF)
                assert not found.shows_bytes(derived)
        for key in (api_key.reveal_text(), rotated_key.reveal_text()):
            assert not found.shows(key)
        # Codes are digits: look for them as text, not inside hex renderings of random bytes.
        for code in set(bank.codes):
            assert not found.shows(code)
