"""DuplicateKey: a unique key a concurrent writer took first, and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from onetime.domain.settings import InstitutionSettings
from onetime.storage.conflicts import DuplicateKey

from .conftest import new_token


class TestDuplicateKey:
    def test_a_taken_service_id_is_a_duplicate_key(self, ctx, institution, clock):
        """The unique service ID arbitrates two `institution add` of one bank."""
        with pytest.raises(DuplicateKey), ctx.db.write() as conn:
            ctx.institutions.add(conn, institution.service_id, "二重", "otp@x.example.jp",
                                 b"h" * 32, InstitutionSettings(), clock.now())

    def test_a_serial_another_user_holds_is_a_duplicate_key(self, ctx, rows, institution,
                                                            clock):
        """An import racing another: the unique serial arbitrates, and the loser may retry."""
        rows.insert("taro", serial="OTSAME")
        with pytest.raises(DuplicateKey), ctx.db.write() as conn:
            ctx.tokens.replace_or_insert(conn, institution.id, "jiro",
                                         new_token(clock.now(), "OTSAME"), clock.now())

    def test_a_broken_foreign_key_is_a_bug_not_a_duplicate_key(self, ctx, clock):
        """A token for an institution that does not exist: no retry can mend that."""
        with pytest.raises(IntegrityError) as raised, ctx.db.write() as conn:
            ctx.tokens.replace_or_insert(conn, 999_999, "taro", new_token(clock.now()),
                                         clock.now())
        assert not isinstance(raised.value, DuplicateKey)
