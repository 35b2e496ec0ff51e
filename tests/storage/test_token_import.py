"""The PSKC import's bulk writing (storage/token_import.py): a batch per statement."""

from __future__ import annotations

import pytest

from onetime.storage.conflicts import DuplicateKey

from .conftest import new_token

# Serials a PSKC document may carry (printable ASCII): what an array or a JSON text must
# quote, and what LIKE or a regular expression would read as patterns.
AWKWARD = ['Q"UOTE', "BACK\\SLASH", "COM,MA", "{BRACE}", "NULL", "PER%CENT", "UNDER_", "'"]


class TestLookups:
    def test_serial_holders_names_the_holder_of_each_held_serial(self, ctx, rows,
                                                                 institution):
        for n, serial in enumerate(AWKWARD):
            rows.insert(f"user{n}", serial)
        with ctx.db.read() as conn:
            held = ctx.token_import.serial_holders(conn, [*AWKWARD, "FREE", "Q", "PERXCENT"])
            assert ctx.token_import.serial_holders(conn, []) == {}
        assert held == {serial: (institution.id, f"user{n}")
                        for n, serial in enumerate(AWKWARD)}

    def test_by_users_gives_the_current_token_of_the_institutions_users(self, ctx, rows,
                                                                        institution):
        rows.insert("taro", "OT1")
        rows.insert("hanako", "OT2")
        with ctx.db.read() as conn:
            found = ctx.token_import.by_users(conn, institution.id, ["taro", "jiro", "hanako"])
            assert ctx.token_import.by_users(conn, institution.id + 1, ["taro"]) == {}
            assert ctx.token_import.by_users(conn, institution.id, []) == {}
        assert {user: token.serial for user, token in found.items()} == \
            {"taro": "OT1", "hanako": "OT2"}
        assert found["taro"] == rows.get("taro")

    def test_a_batch_is_one_parameter_whatever_its_size(self, ctx, rows, institution):
        """1 500 serials, one statement and one parameter as for one serial."""
        rows.insert("taro", "OT1")
        serials = [f"S{n}" for n in range(1_500)] + ["OT1"]
        with ctx.db.read() as conn:
            assert ctx.token_import.serial_holders(conn, serials) == \
                {"OT1": (institution.id, "taro")}


class TestInsertMany:
    """The import's bulk insert (COPY on PostgreSQL, sqlite3's executemany on SQLite)."""

    def test_rows_read_back_as_written(self, ctx, institution, clock):
        """Every column as an issuance would write it, datetimes in UTC included."""
        now = clock.now()
        fresh = [(f"bulk{n}", new_token(now, f"BULK{n:04d}", secret_key_id="k1",
                                        secret_blob=bytes([n]) * 3, last_step=n or None,
                                        confirmed_at=now, activated_at=now))
                 for n in range(3)]
        with ctx.db.write() as conn:
            ctx.token_import.insert_many(conn, institution.id, fresh)
        with ctx.db.read() as conn:
            read = [ctx.tokens.get(conn, institution.id, user) for user, _ in fresh]
        for token, (user, new) in zip(read, fresh, strict=True):
            assert (token.user_id, token.serial, token.state, token.secret_blob,
                    token.last_step, token.issued_at, token.expires_at, token.confirmed_at,
                    token.failures) == (user, new.serial, new.state, new.secret_blob,
                                        new.last_step, now, new.expires_at, now, 0)

    def test_a_taken_user_or_serial_is_duplicate_key_and_writes_nothing(self, ctx, rows,
                                                                      institution, clock):
        rows.insert("taro", "TAKEN")
        now = clock.now()
        for clash in ([("jiro", new_token(now, "FREE1")), ("taro", new_token(now, "FREE2"))],
                      [("jiro", new_token(now, "FREE1")), ("hanako", new_token(now, "TAKEN"))]):
            with pytest.raises(DuplicateKey), ctx.db.write() as conn:
                ctx.token_import.insert_many(conn, institution.id, clash)
            with ctx.db.read() as conn:
                assert ctx.tokens.get(conn, institution.id, "jiro") is None
