"""The vault: round trips, modes, atomic writes, the app lock, wrong codes and the wipe."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest

from onetime import files
from onetime.app import errors, vault_format
from onetime.app import vault as vault_module
from onetime.app.lockout import WIPE_AFTER
from onetime.app.vault import VAULT_KDF, VaultFile, check_lock_code
from onetime.crypto import TEST_KDF, KdfParams
from tests.app.conftest import make_token


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _edit(path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


class TestRoundTrip:
    """What goes in comes out, for several institutions side by side."""

    def test_tokens_of_two_institutions_survive_a_reopen(self, vault_file, clock):
        """Two banks' tokens, written and read back by a fresh VaultFile (a restart)."""
        vault = vault_file.create()
        vault.put(make_token("0001", "taro", "茨城テスト信用組合"))
        vault.put(make_token("0002", "taro", "山梨テスト銀行", secret=b"b" * 20))
        again = VaultFile(vault_file.path, clock, lock_kdf=TEST_KDF,
                          min_unlock_seconds=0).open()
        assert [(t.service_id, t.institution_name) for t in again.tokens] == [
            ("0001", "茨城テスト信用組合"), ("0002", "山梨テスト銀行")]
        now = clock.now()
        assert again.find("0002", "taro").code_at(now) == make_token(
            "0002", secret=b"b" * 20).code_at(now)

    def test_same_user_same_institution_replaces(self, vault_file):
        """A new token of the same user at the same bank replaces the old one."""
        vault = vault_file.create()
        vault.put(make_token("0001", "taro"))
        vault.put(make_token("0001", "taro", secret=b"c" * 20))
        assert len(vault_file.open().tokens) == 1
        assert vault_file.open().tokens[0].secret.reveal() == b"c" * 20

    def test_find_needs_a_name_when_there_are_several(self, vault_file):
        """With one token it is found unnamed; with two the caller must say which."""
        vault = vault_file.create()
        vault.put(make_token("0001", "taro"))
        assert vault.find().user_id == "taro"
        vault.put(make_token("0002", "taro"))
        with pytest.raises(errors.TokenNotInVault):
            vault.find()
        assert vault.find("0002").service_id == "0002"
        with pytest.raises(errors.TokenNotInVault):
            vault.find("0003")

    def test_remove(self, vault_file):
        """トークン削除 removes one token and keeps the rest."""
        vault = vault_file.create()
        vault.put(make_token("0001", "taro"))
        vault.put(make_token("0002", "hanako"))
        vault.remove("0001", "taro")
        assert [t.user_id for t in vault_file.open().tokens] == ["hanako"]
        with pytest.raises(errors.TokenNotInVault):
            vault.remove("0001", "taro")

    def test_ui_and_cli_writing_side_by_side_lose_nothing(self, vault_file, clock):
        """Two open vaults (the UI and the CLI) each add a token: both are kept."""
        ui = vault_file.create()
        cli = VaultFile(vault_file.path, clock, lock_kdf=TEST_KDF,
                        min_unlock_seconds=0).open()
        cli.put(make_token("0001", "taro"))
        ui.put(make_token("0002", "hanako"))
        assert {t.user_id for t in vault_file.open().tokens} == {"taro", "hanako"}

    def test_no_secret_in_the_file_and_no_export(self, vault_file):
        """The file holds no secret in the clear, and nothing exports one."""
        vault = vault_file.create()
        token = make_token()
        vault.put(token)
        assert token.to_record()["secret"] not in vault_file.path.read_text()
        assert not [name for name in dir(vault) if "export" in name]
        assert "<secret>" in repr(token.secret)
        assert "1234" not in repr(token)

    def test_missing_vault(self, vault_file):
        """No vault yet: VaultMissing, and info() says the same."""
        with pytest.raises(errors.VaultMissing):
            vault_file.open()


class TestFiles:
    """0600 files in a 0700 directory; the key file only while the lock is OFF."""

    def test_modes(self, vault_file):
        """Vault and key file are 0600, a new data directory 0700."""
        vault_file.create().put(make_token())
        assert _mode(vault_file.path) == 0o600
        assert _mode(vault_file.key_path) == 0o600
        assert _mode(vault_file.path.parent) == 0o700

    def test_key_file_goes_with_the_lock_on_and_returns_with_it_off(self, vault_file):
        """Lock ON deletes the random key; OFF writes a new one."""
        vault = vault_file.create()
        vault.put(make_token())
        vault.enable_lock("1234", "1234")
        assert not vault_file.key_path.exists()
        assert _mode(vault_file.path) == 0o600
        vault.disable_lock()
        assert _mode(vault_file.key_path) == 0o600
        assert vault_file.open().tokens[0].user_id == "taro"

    def test_default_path_is_in_the_user_data_dir(self, monkeypatch, tmp_path):
        """XDG_DATA_HOME decides where the vault lives."""
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        assert vault_module.default_path() == tmp_path / "xdg" / "onetime-token" / "vault.json"


class TestAtomicWrite:
    """A crash at any instant leaves the old vault or the new one, never a broken one."""

    @pytest.mark.parametrize("step", ["fsync", "replace"])
    def test_crash_before_the_rename_keeps_the_old_vault(self, vault_file, monkeypatch, step):
        """Dying in fsync or in the rename leaves the previous vault whole, no temp file."""
        vault = vault_file.create()
        vault.put(make_token("0001", "taro"))

        def crash(*args, **kwargs):
            raise SystemExit("power cut")
        monkeypatch.setattr(files.os, step, crash)
        with pytest.raises(SystemExit):
            vault.put(make_token("0002", "hanako"))
        monkeypatch.undo()
        assert [t.user_id for t in vault_file.open().tokens] == ["taro"]
        assert [p.name for p in vault_file.path.parent.iterdir()
                if p.name.endswith(".tmp")] == []

    def test_kill_9_during_writes_never_corrupts(self, vault_file):
        """A process killed while it rewrites the vault in a loop leaves a vault that opens."""
        vault_file.create().put(make_token("0001", "taro"))
        script = textwrap.dedent(f"""
            import itertools, sys
            from datetime import UTC, datetime
            from pathlib import Path
            from onetime.app.token import StoredToken
            from onetime.app.vault import VaultFile
            from onetime.crypto import TEST_KDF, Secret
            from onetime.domain.clock import SystemClock
            vault = VaultFile(Path({str(vault_file.path)!r}), SystemClock(),
                              lock_kdf=TEST_KDF, min_unlock_seconds=0).open()
            print("ready", flush=True)
            for i in itertools.count():
                vault.put(StoredToken("0002", f"user{{i}}", "銀行", "S", "sha1", 8, 60,
                                      Secret(bytes([i % 256]) * 20), "https://x",
                                      datetime.now(UTC)))
        """)
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                cwd=os.getcwd())
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.4)
        proc.kill()
        proc.wait()
        tokens = vault_file.open().tokens
        assert tokens[0].user_id == "taro"
        assert len(tokens) >= 1


class TestLockCode:
    """The manual's rule: 1-32 digits 0-9, entered twice."""

    @pytest.mark.parametrize("code", ["0", "1234", "9" * 32])
    def test_valid(self, code):
        check_lock_code(code, code)

    @pytest.mark.parametrize("code", ["", "9" * 33, "12a4", "１２３４", "12 34", "-1"])
    def test_invalid(self, code):
        """Empty, too long, letters, full-width digits, spaces: refused."""
        with pytest.raises(errors.InvalidLockCode):
            check_lock_code(code, code)

    def test_entries_must_match(self):
        with pytest.raises(errors.InvalidLockCode):
            check_lock_code("1234", "1243")

    def test_locked_vault_opens_only_with_the_code(self, vault_file):
        """With the lock ON, open() refuses and unlock() with the code works."""
        vault = vault_file.create()
        vault.put(make_token())
        vault.enable_lock("2580", "2580")
        assert vault_file.info().locked
        with pytest.raises(errors.VaultLocked):
            vault_file.open()
        assert vault_file.unlock("2580").tokens[0].user_id == "taro"

    def test_production_cost_is_at_least_0_2_seconds(self, vault_file, clock):
        """With the production parameters one unlock (one guess) takes ≥ 0.2 s."""
        production = VaultFile(vault_file.path, clock)  # VAULT_KDF, min 0.2 s
        vault = production.create()
        vault.enable_lock("1234", "1234")
        started = time.perf_counter()
        production.unlock("1234")
        assert time.perf_counter() - started >= 0.2
        kdf = json.loads(vault_file.path.read_text())["header"]["slots"][0]["kdf"]
        assert kdf["algorithm"] == "argon2id"
        assert kdf["memory_cost_kib"] == VAULT_KDF.memory_cost_kib

    def test_calibration_raises_the_cost_on_a_fast_device(self):
        """Too cheap for the floor: the time cost goes up until one derivation is slow enough."""
        _key, params = vault_format.derive_at_least("1234", b"s" * 16,
                                                    KdfParams(1, 1024, 1), 0.02)
        assert params.time_cost > 1


class TestWrongCodes:
    """After 3 wrong codes growing delays, a warning near the end, a wipe at 10."""

    @pytest.fixture
    def locked(self, vault_file):
        vault = vault_file.create()
        vault.put(make_token("0001", "taro"))
        vault.put(make_token("0002", "hanako"))
        vault.enable_lock("1234", "1234")
        return vault_file

    def _fail(self, vault_file, clock) -> errors.WrongLockCode:
        status = vault_file.info().lock
        if status.retry_at is not None and clock.now() < status.retry_at:
            clock.set(status.retry_at)
        with pytest.raises(errors.WrongLockCode) as caught:
            vault_file.unlock("0000")
        return caught.value

    def test_two_typos_cost_no_wait(self, locked, clock):
        """The first two wrong codes leave the next try open at once."""
        assert self._fail(locked, clock).retry_at is None
        assert self._fail(locked, clock).retry_at is None
        assert locked.info().lock.attempts_left == 8

    def test_delays_grow_after_the_third(self, locked, clock):
        """The 3rd wrong code makes the next try wait 30 s, then longer each time."""
        waits = []
        for _ in range(6):
            error = self._fail(locked, clock)
            waits.append((error.retry_at - clock.now()).total_seconds()
                         if error.retry_at else 0)
        assert waits[:2] == [0, 0]
        assert waits[2] == 30
        assert waits[2:] == sorted(waits[2:])
        assert waits[5] > waits[4]

    def test_a_try_during_the_delay_is_refused_and_not_counted(self, locked, clock):
        """Trying early, even with the right code, waits; the count does not move."""
        for _ in range(3):
            self._fail(locked, clock)
        with pytest.raises(errors.LockDelay) as caught:
            locked.unlock("1234")
        assert caught.value.attempts_left == 7
        assert locked.info().lock.failures == 3

    def test_the_delay_holds_across_a_restart(self, locked, clock):
        """A new process (a new VaultFile) still waits: the count is on disk."""
        for _ in range(3):
            self._fail(locked, clock)
        restarted = VaultFile(locked.path, clock, lock_kdf=TEST_KDF, min_unlock_seconds=0)
        with pytest.raises(errors.LockDelay):
            restarted.unlock("1234")
        clock.advance(timedelta(seconds=31))
        assert len(restarted.unlock("1234").tokens) == 2

    def test_success_resets_the_count(self, locked, clock):
        """The right code after failures starts the count from zero."""
        for _ in range(4):
            self._fail(locked, clock)
        clock.set(locked.info().lock.retry_at)
        locked.unlock("1234")
        assert locked.info().lock.failures == 0

    def test_warning_before_the_last_attempts(self, locked, clock):
        """With three attempts left the status asks for a warning."""
        for _ in range(6):
            self._fail(locked, clock)
        assert not locked.info().lock.warn
        self._fail(locked, clock)
        status = locked.info().lock
        assert status.warn
        assert status.attempts_left == 3

    def test_tenth_wrong_code_wipes_every_institution(self, locked, clock):
        """Rule 11 made explicit: the 10th wrong code deletes the vault and all its tokens."""
        for _ in range(WIPE_AFTER - 1):
            self._fail(locked, clock)
        clock.set(locked.info().lock.retry_at)
        with pytest.raises(errors.VaultWiped):
            locked.unlock("0000")
        assert not locked.path.exists()
        assert not locked.key_path.exists()
        with pytest.raises(errors.VaultMissing):
            locked.unlock("1234")

    def test_a_guess_is_counted_before_the_key_is_derived(self, locked, clock, monkeypatch):
        """Killing the app during the slow argon2id does not save a guess from the count."""
        def killed(*args, **kwargs):
            raise KeyboardInterrupt
        monkeypatch.setattr(vault_format, "derive_key", killed)
        with pytest.raises(KeyboardInterrupt):
            locked.unlock("0000")
        monkeypatch.undo()
        assert locked.info().lock.failures == 1

    def test_a_rewound_count_is_detected_at_the_next_unlock(self, locked, clock):
        """Editing the failure count back to 0 is noticed once the code is typed."""
        for _ in range(5):
            self._fail(locked, clock)
        _edit(locked.path, lambda d: d["lockout"].update(failures=0, last_failure_at=None))
        assert locked.info().lock.failures == 0  # unauthenticated until the key is there …
        vault = locked.unlock("1234")
        assert vault.tamper_detected  # … and then the hash chain does not fit

    def test_an_honest_history_is_not_flagged(self, locked, clock):
        for _ in range(3):
            self._fail(locked, clock)
        clock.set(locked.info().lock.retry_at)
        assert not locked.unlock("1234").tamper_detected

    def test_a_deleted_record_counts_where_delays_begin(self, locked, clock):
        """Removing the lockout record does not buy free tries."""
        _edit(locked.path, lambda d: d.pop("lockout"))
        assert locked.info().lock.failures == 3
        assert locked.unlock("1234").tamper_detected


class TestTamper:
    """The header is associated data: no byte of it changes unnoticed."""

    @pytest.fixture
    def unlocked(self, vault_file):
        vault_file.create().put(make_token())
        return vault_file

    @pytest.mark.parametrize("change", [
        lambda d: d["header"].update(language="en"),
        lambda d: d["header"].update(vault_id="00" * 16),
        lambda d: d["header"]["slots"][0].update(type="key_file", extra=1),
        lambda d: d.update(ciphertext=d["ciphertext"][:-4] + "AAAA"),
        lambda d: d.update(nonce="AAAAAAAAAAAAAAAA"),
    ], ids=["language", "vault_id", "slot", "ciphertext", "nonce"])
    def test_edited_vault_does_not_open(self, unlocked, change):
        """Language, ID, slot, ciphertext or nonce edited: VaultCorrupt."""
        _edit(unlocked.path, change)
        with pytest.raises(errors.VaultCorrupt):
            unlocked.open()

    @pytest.mark.parametrize("change", [
        lambda d: d["header"].update(version=2),
        lambda d: d["header"].update(format="aegis"),
        lambda d: d.update(header="x"),
    ], ids=["version", "format", "header"])
    def test_unknown_format_is_refused(self, unlocked, change):
        _edit(unlocked.path, change)
        with pytest.raises(errors.VaultCorrupt):
            unlocked.info()

    def test_locked_vault_with_edited_header_does_not_open_with_the_right_code(
            self, unlocked):
        """Lock ON, language edited: the right code unwraps the key, the payload refuses."""
        unlocked.open().enable_lock("1234", "1234")
        _edit(unlocked.path, lambda d: d["header"].update(language="en"))
        with pytest.raises(errors.VaultCorrupt):
            unlocked.unlock("1234")

    def test_cheaper_kdf_in_the_header_does_not_help(self, unlocked):
        """Lowering the KDF cost in the header only makes the right code fail."""
        unlocked.open().enable_lock("1234", "1234")
        _edit(unlocked.path, lambda d: d["header"]["slots"][0]["kdf"].update(
            time_cost=2, memory_cost_kib=16))
        with pytest.raises(errors.WrongLockCode):
            unlocked.unlock("1234")

    def test_key_file_of_another_vault_does_not_open_this_one(self, unlocked, tmp_path, clock):
        other = VaultFile(tmp_path / "other" / "vault.json", clock, lock_kdf=TEST_KDF,
                          min_unlock_seconds=0)
        other.create()
        unlocked.key_path.write_bytes(other.key_path.read_bytes())
        with pytest.raises(errors.VaultCorrupt):
            unlocked.open()

    def test_missing_key_file(self, unlocked):
        unlocked.key_path.unlink()
        with pytest.raises(errors.VaultCorrupt):
            unlocked.open()
