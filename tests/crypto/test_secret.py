"""Secret: the value leaves only through reveal()."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from onetime.crypto import Secret
from onetime.crypto import secret as secret_module

VALUE = b"JBSWY3DPEHPK3PXP"


class TestSecret:
    def test_repr_and_str_show_only_the_mask(self):
        """repr() and str() give '<secret>'."""
        secret = Secret(VALUE)
        assert repr(secret) == "<secret>"
        assert str(secret) == "<secret>"

    @pytest.mark.parametrize(
        "render",
        [
            lambda s: f"{s}",
            lambda s: f"{s!r}",
            lambda s: f"{s!s}",
            lambda s: f"{s:>30}",
            lambda s: "{}".format(s),  # noqa: UP032 - str.format must be masked too
            lambda s: "%s %r" % (s, s),  # noqa: UP031 - the old style must be masked too
            lambda s: repr([s, {"k": s}]),
        ],
    )
    def test_every_way_of_formatting_shows_only_the_mask(self, render):
        """f-strings, format(), %-formatting and containers never show the value."""
        text = render(Secret(VALUE))
        assert "<secret>" in text
        assert VALUE.decode() not in text

    def test_a_logged_secret_shows_only_the_mask(self, caplog):
        """A secret passed to a logger is written as '<secret>'."""
        with caplog.at_level(logging.INFO):
            logging.getLogger("test").info("secret is %s", Secret(VALUE))
        assert "secret is <secret>" in caplog.text
        assert VALUE.decode() not in caplog.text

    def test_an_exception_message_with_a_secret_shows_only_the_mask(self):
        """An error built around a secret does not carry its value in its message."""
        error = ValueError(f"bad secret {Secret(VALUE)}")
        assert VALUE.decode() not in str(error)

    def test_reveal_returns_the_bytes(self):
        """reveal() gives back exactly what was wrapped."""
        assert Secret(VALUE).reveal() == VALUE

    def test_a_str_is_kept_as_utf8(self):
        """A str is stored as its UTF-8 bytes, and reveal_text() decodes it."""
        secret = Secret("合言葉")
        assert secret.reveal() == "合言葉".encode()
        assert secret.reveal_text() == "合言葉"

    def test_other_types_are_refused(self):
        """Only bytes and str can be wrapped."""
        with pytest.raises(TypeError):
            Secret(12345678)  # type: ignore[arg-type]

    def test_secrets_with_the_same_bytes_are_equal(self):
        """Two secrets compare by value."""
        assert Secret(VALUE) == Secret(VALUE)
        assert Secret(VALUE) != Secret(VALUE + b"x")

    def test_equality_compares_in_constant_time(self, monkeypatch):
        """Equality goes through hmac.compare_digest."""
        calls = []

        def spy(a, b):
            calls.append((a, b))
            return a == b

        monkeypatch.setattr(secret_module.hmac, "compare_digest", spy)
        assert Secret(VALUE) == Secret(VALUE)
        assert calls == [(VALUE, VALUE)]

    def test_a_secret_never_equals_plain_bytes_or_str(self):
        """Comparing with an unwrapped value is always unequal."""
        assert Secret(VALUE) != VALUE
        assert Secret(VALUE) != VALUE.decode()

    def test_a_secret_cannot_be_a_dict_key(self):
        """Secrets are unhashable."""
        with pytest.raises(TypeError):
            hash(Secret(VALUE))

    @pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
    def test_pickling_is_refused(self, protocol):
        """No pickle protocol, text or binary, can serialise a secret."""
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(Secret(VALUE), protocol=protocol)

    def test_copies_are_the_same_object(self):
        """copy and deepcopy work without pickling, returning the immutable original."""
        secret = Secret(VALUE)
        assert copy.copy(secret) is secret
        assert copy.deepcopy({"s": secret})["s"] is secret
