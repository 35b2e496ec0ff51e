"""The `onetime` operator command, run as a real subprocess on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from onetime.config import Config
from onetime.service.services import Services, build_context


def run(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "onetime.cli", *args], env=env,
                            capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed: {result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def env(tmp_path, db_url):
    return {**os.environ, "ONETIME_VAR": str(tmp_path), "ONETIME_DATABASE_URL": db_url,
            "ONETIME_KEY_FILE": str(tmp_path / "keys.json")}


class TestInstitutionCommands:
    def test_add_prints_the_api_key_once_and_it_authenticates(self, env):
        """`institution add` prints a key that the service accepts, and stores only its hash."""
        out = run(env, "institution", "add", "--service-id", "0101", "--name", "第一信用組合",
                  "--mail-sender", "otp@first.example.jp").stdout
        key = out.strip().splitlines()[-1]
        assert key.startswith("ot_0101_")
        services = Services.from_context(build_context(Config.from_env(env)))
        assert services.institutions.authenticate("0101", key).name == "第一信用組合"
        shown = run(env, "institution", "show").stdout
        assert "0101" in shown
        assert key not in shown

    def test_defaults_are_the_design_defaults(self, env):
        """A new institution has the settings of DESIGN.md §4 unless told otherwise."""
        run(env, "institution", "add", "--service-id", "0102", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        services = Services.from_context(build_context(Config.from_env(env)))
        s = services.institutions.get("0102").settings
        assert (s.digits, s.period, s.window, s.max_failures) == (8, 60, 1, 10)
        assert (s.issuance_lifetime_hours, s.activation_attempts, s.embargo_minutes) == (72, 5, 30)
        assert (s.night_start.isoformat(), s.night_end.isoformat()) == ("20:50:00", "08:10:00")

    def test_set_changes_settings_and_rejects_nonsense(self, env):
        """`institution set` changes a setting; an unknown or invalid one is an error."""
        run(env, "institution", "add", "--service-id", "0103", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        assert '"max_failures": 5' in run(env, "institution", "set", "0103",
                                          "max_failures=5").stdout
        bad = run(env, "institution", "set", "0103", "max_failures=1000", check=False)
        assert bad.returncode == 1
        assert "invalid_setting" in bad.stderr
        unknown = run(env, "institution", "set", "0103", "colour=blue", check=False)
        assert unknown.returncode == 1

    def test_set_puts_operations_under_approval(self, env):
        """承認: `approval_operations` names transfer, bulk and payroll, nothing else."""
        run(env, "institution", "add", "--service-id", "0108", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        shown = run(env, "institution", "set", "0108",
                    "approval_operations=payroll_transfer,bulk_transfer").stdout
        assert '"approval_operations": ["bulk_transfer", "payroll_transfer"]' in shown
        bad = run(env, "institution", "set", "0108", "approval_operations=payeasy",
                  check=False)
        assert bad.returncode == 1
        assert "invalid_setting" in bad.stderr

    def test_adding_twice_is_refused(self, env):
        """A service ID names one institution."""
        args = ["institution", "add", "--service-id", "0104", "--name", "n",
                "--mail-sender", "otp@x.example.jp"]
        run(env, *args)
        again = run(env, *args, check=False)
        assert again.returncode == 1
        assert "institution_exists" in again.stderr


class TestAuditVerify:
    def test_verify_passes_then_reports_an_edited_entry(self, env, tmp_path, db_url):
        """`audit verify` exits 0 on an intact chain and 2 once an entry is edited."""
        run(env, "institution", "add", "--service-id", "0105", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        run(env, "institution", "set", "0105", "max_failures=9")
        ok = run(env, "audit", "verify")
        assert "0 problems" in ok.stdout
        if db_url.startswith("sqlite"):
            with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
                conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE seal_seq = 1")
        else:
            from sqlalchemy import create_engine, text
            engine = create_engine(db_url)
            with engine.begin() as conn:
                conn.execute(text("UPDATE audit_log SET actor = 'someone else' "
                                  "WHERE seal_seq = 1"))
            engine.dispose()
        tampered = run(env, "audit", "verify", check=False)
        assert tampered.returncode == 2
        assert "TAMPERED" in tampered.stdout


class TestKeysRotate:
    def test_rotate_adds_a_key_and_reports_rewrapped_secrets(self, env):
        """`keys rotate` makes a new active key and says how many secrets moved."""
        run(env, "institution", "add", "--service-id", "0106", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        services = Services.from_context(build_context(Config.from_env(env)))
        inst = services.institutions.get("0106")
        services.tokens.issue_token(inst, "u1", "u1@example.jp", "1234")
        before = services.ctx.keyring.active_key_id()
        out = run(env, "keys", "rotate").stdout
        assert "1 secrets re-wrapped" in out
        after = Services.from_context(build_context(Config.from_env(env)))
        assert after.ctx.keyring.active_key_id() != before


class TestAuditAnchor:
    """`audit verify` fails while the anchor is missing, damaged or older, until --new-anchor."""

    @pytest.fixture
    def anchored(self, env, tmp_path):
        """An institution's entries, sealed and anchored by a first `audit verify`."""
        run(env, "institution", "add", "--service-id", "0107", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        assert run(env, "audit", "verify").returncode == 0
        anchor = tmp_path / "audit-anchor.json"
        assert anchor.exists()
        return anchor

    def test_a_deleted_anchor_fails_with_a_message(self, env, anchored):
        """No anchor while entries are sealed: exit 2, and the message says what to do."""
        anchored.unlink()
        result = run(env, "audit", "verify", check=False)
        assert result.returncode == 2
        assert "anchor" in result.stdout
        assert "missing" in result.stdout
        assert "--new-anchor" in result.stderr

    def test_a_truncated_anchor_fails(self, env, anchored):
        """A cut-off anchor is unreadable: exit 2."""
        anchored.write_bytes(anchored.read_bytes()[:15])
        result = run(env, "audit", "verify", check=False)
        assert result.returncode == 2
        assert "unreadable" in result.stdout

    def test_an_older_anchor_fails(self, env, anchored):
        """An anchor put back from an earlier copy is behind the chain: exit 2."""
        old = anchored.read_bytes()
        run(env, "institution", "set", "0107", "max_failures=9")
        assert run(env, "audit", "verify").returncode == 0
        anchored.write_bytes(old)
        result = run(env, "audit", "verify", check=False)
        assert result.returncode == 2
        assert "older" in result.stdout

    def test_new_anchor_starts_again_and_is_audited(self, env, anchored):
        """`--new-anchor` exits 0, and the trail records the reset with its actor."""
        anchored.unlink()
        assert run(env, "audit", "verify", check=False).returncode == 2
        reset = run(env, "audit", "verify", "--new-anchor", "--actor", "operator:suzuki")
        assert "new audit anchor" in reset.stdout
        assert run(env, "audit", "verify").returncode == 0
        ctx = build_context(Config.from_env(env))
        with ctx.db.read() as conn:
            entries = ctx.audit.sealed_in_order(conn)
            resets = [e for e in entries if e.event == "audit_anchor_reset"]
        ctx.db.dispose()
        assert [(e.actor, e.detail["previous"]) for e in resets] == \
            [("operator:suzuki", "missing")]


class TestTokensImport:
    """`onetime tokens import`: the API's PSKC import from a file, with progress on stderr."""

    @staticmethod
    def _document(tmp_path, count: int, **encryption) -> tuple:
        import pskc
        container = pskc.PSKC()
        for n in range(count):
            container.add_key(serial=f"CLI{n:05d}", key_userid=f"c{n:05d}",
                              secret=f"secret-{n:05d}".encode(),
                              algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp",
                              response_length=6, time_interval=30)
        container.add_key(serial="CLI-none", secret=b"x" * 20,
                          algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp")
        if "password" in encryption:
            container.encryption.setup_pbkdf2(encryption["password"], iterations=1000)
        if "psk" in encryption:
            container.encryption.setup_preshared_key(key=encryption["psk"])
        path = tmp_path / "tokens.pskc"
        container.write(str(path))
        return path

    def test_import_with_a_pre_shared_key_counts_and_shows_progress(self, env, tmp_path):
        """2 100 keys and one without user: counts on stdout, a progress line on stderr."""
        run(env, "institution", "add", "--service-id", "0301", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        psk = bytes(range(16))
        path = self._document(tmp_path, 2_100, psk=psk)
        done = run(env, "tokens", "import", "--service-id", "0301", str(path),
                   "--psk-hex", psk.hex(), "--confirmed")
        assert done.stdout.strip() == (
            '{"imported": 2100, "skipped": 1, "reasons": {"no_user_id": 1}}')
        assert "2,000 keys read" in done.stderr  # one line, rewritten
        assert done.stderr.rstrip().endswith("2,101 keys written")
        services = Services.from_context(build_context(Config.from_env(env)))
        token = services.tokens.get_token(services.institutions.get("0301"), "c02099")
        assert (token.serial, token.state) == ("CLI02099", "active")

    def test_verbose_lists_each_token_and_each_skipped_key(self, env, tmp_path):
        """--verbose: a line per imported token and per skipped key, after the counts."""
        run(env, "institution", "add", "--service-id", "0303", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        path = self._document(tmp_path, 2)
        done = run(env, "tokens", "import", "--service-id", "0303", str(path), "--verbose")
        assert done.stdout.splitlines() == [
            '{"imported": 2, "skipped": 1, "reasons": {"no_user_id": 1}}',
            "imported\tCLI00000\tc00000\tactivated", "imported\tCLI00001\tc00001\tactivated",
            "skipped\tCLI-none\tno_user_id"]

    def test_a_password_file_and_a_wrong_password(self, env, tmp_path):
        """The password comes from a file (its line end dropped); a wrong one imports nothing."""
        run(env, "institution", "add", "--service-id", "0302", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        path = self._document(tmp_path, 3, password="パスワード")
        wrong = tmp_path / "wrong"
        wrong.write_text("nope\n")
        failed = run(env, "tokens", "import", "--service-id", "0302", str(path),
                     "--password-file", str(wrong), check=False)
        assert failed.returncode == 1
        assert "invalid_pskc" in failed.stderr
        right = tmp_path / "right"
        right.write_text("パスワード\n", encoding="utf-8")
        done = run(env, "tokens", "import", "--service-id", "0302", str(path),
                   "--password-file", str(right))
        assert done.stdout.startswith('{"imported": 3, ')
