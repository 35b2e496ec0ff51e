"""Secrets at rest: key rotation re-wraps everything; a ciphertext only opens in its own row."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from onetime.crypto import DecryptionFailed
from onetime.domain.tokens import secret_aad
from onetime.service import keys
from onetime.storage.schema import tokens


def key_ids(ctx) -> set[str]:
    with ctx.db.read() as conn:
        rows = conn.execute(select(tokens.c.secret_key_id, tokens.c.activation_key_id)).all()
    return {key for row in rows for key in row if key is not None}


def copy_columns(ctx, institution, source: str, target: str, *columns: str) -> None:
    """What a database writer might try: move one user's ciphertext into another's row."""
    with ctx.db.write() as conn:
        row = conn.execute(select(*(tokens.c[c] for c in columns))
                           .where(tokens.c.user_id == source)).one()
        conn.execute(update(tokens).where(tokens.c.institution_id == institution.id,
                                          tokens.c.user_id == target)
                     .values(dict(zip(columns, row, strict=True))))


class TestRotate:
    def test_every_secret_and_activation_key_moves_to_the_new_key(self, bank, services):
        """After rotation the database names only the new active key."""
        bank.active("taro")
        bank.activated("hanako")
        bank.issue("jiro")
        old = key_ids(services.ctx)
        new_key, moved = keys.rotate(services.ctx)
        assert new_key not in old
        assert services.ctx.keyring.active_key_id() == new_key
        assert key_ids(services.ctx) == {new_key}
        assert moved == 3  # two secrets and one activation key

    def test_tokens_work_as_before_after_rotation(self, bank, services):
        """Active tokens verify, set-up tokens confirm, waiting issuances set up."""
        taro = bank.active("taro")
        hanako = bank.activated("hanako")
        bank.issue("jiro")
        keys.rotate(services.ctx)
        assert bank.verify("taro", bank.code(taro)).result == "accepted"
        assert bank.confirm("hanako", bank.code(hanako)).result == "accepted"
        bank.set_up("jiro")
        assert bank.doc("jiro").state == "activated"

    def test_old_keys_stay_so_a_second_rotation_works(self, bank, services):
        """Rotating twice leaves every row under the newest key, still verifying."""
        secret = bank.active("taro")
        keys.rotate(services.ctx)
        newest, moved = keys.rotate(services.ctx)
        assert (key_ids(services.ctx), moved) == ({newest}, 1)
        assert len(services.ctx.keyring.key_ids()) == 3
        assert bank.verify("taro", bank.code(secret)).result == "accepted"

    def test_rotation_with_nothing_to_move(self, services):
        """An empty database rotates to a new key and re-wraps nothing."""
        new_key, moved = keys.rotate(services.ctx)
        assert (services.ctx.keyring.active_key_id(), moved) == (new_key, 0)


class TestCiphertextBinding:
    def test_a_secret_moved_to_another_users_row_does_not_decrypt(self, bank, services,
                                                                   institution):
        """taro's secret copied into hanako's row fails to authenticate there."""
        taro = bank.active("taro")
        bank.active("hanako")
        copy_columns(services.ctx, institution, "taro", "hanako", "secret_key_id",
                     "secret_blob")
        hanako = bank.token("hanako")
        with pytest.raises(DecryptionFailed):
            services.ctx.keyring.decrypt(hanako.secret_key_id, hanako.secret_blob,
                                         secret_aad(institution.id, "hanako", hanako.serial))
        with pytest.raises(DecryptionFailed):
            bank.verify("hanako", bank.code(taro))
        assert bank.token("hanako") == hanako  # nothing used up or counted

    def test_an_activation_key_moved_to_another_users_row_does_not_decrypt(
            self, bank, services, institution):
        """Copying jiro's activation key over hanako's does not let jiro's password set up."""
        bank.issue("jiro", "11112222")
        bank.issue("hanako", "33334444")
        copy_columns(services.ctx, institution, "jiro", "hanako", "activation_key_id",
                     "activation_blob")
        with pytest.raises(DecryptionFailed):
            bank.set_up("hanako", "11112222")
        assert bank.doc("hanako").state == "issued"
