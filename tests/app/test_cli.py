"""`onetime-token` for scripts: data on stdout only, errors on stderr, clear exit codes."""

from __future__ import annotations

import io
import sys

import pytest

from onetime.app import cli
from onetime.otp import totp
from tests.app.conftest import RFC_SECRET, make_token
from tests.conftest import START


@pytest.fixture
def run(vault_path, tmp_path, capsys, monkeypatch):
    """Run the CLI in this process with a fixed clock, cheap KDF (--dev) and the given stdin."""
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(START.isoformat())

    def call(*argv: str, stdin: str = "", env: dict | None = None):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main([*argv, "--vault", str(vault_path), "--dev", "--kdf", "test",
                         "--clock-file", str(clock_file)], env or {})
        out, err = capsys.readouterr()
        return code, out, err
    return call


@pytest.fixture
def two_tokens(vault_file):
    vault = vault_file.create()
    vault.put(make_token("0001", "taro", "茨城テスト信用組合"))
    vault.put(make_token("0002", "taro", "山梨テスト銀行", secret=b"y" * 20))
    return vault_file


def test_code_prints_the_code_and_seconds_left_only(run, vault_file):
    """One line, "CODE SECONDS"; nothing on stderr."""
    vault_file.create().put(make_token())
    code, out, err = run("code")
    assert (code, err) == (0, "")
    assert out == f"{totp(RFC_SECRET, START.timestamp())} 60\n"


def test_code_needs_a_name_among_several(run, two_tokens):
    code, out, err = run("code")
    assert code == cli.EXIT_NO_TOKEN
    assert out == ""
    assert "several tokens" in err
    code, out, _ = run("code", "--service-id", "0002", "--user-id", "taro")
    assert code == 0
    assert out.split()[0] == totp(b"y" * 20, START.timestamp())


def test_no_vault_is_no_token(run):
    code, out, err = run("code")
    assert code == cli.EXIT_NO_TOKEN
    assert out == ""
    assert "no vault" in err


def test_list_is_tab_separated(run, two_tokens):
    code, out, err = run("list")
    assert code == 0
    assert err == ""
    assert out.splitlines() == ["0001\ttaro\t茨城テスト信用組合\tS-0001-taro",
                                "0002\ttaro\t山梨テスト銀行\tS-0002-taro"]


def test_delete_needs_yes_without_a_terminal(run, two_tokens):
    code, _, err = run("delete", "--service-id", "0001", "--user-id", "taro")
    assert code == cli.EXIT_USAGE
    assert "--yes" in err
    code, out, err = run("delete", "--service-id", "0001", "--user-id", "taro", "--yes")
    assert (code, out, err) == (0, "", "")
    assert [t.service_id for t in two_tokens.open().tokens] == ["0002"]
    code, _, _ = run("delete", "--service-id", "0001", "--user-id", "taro", "--yes")
    assert code == cli.EXIT_NO_TOKEN


class TestLock:
    """lock on/off; the lock code from the environment or from stdin."""

    @pytest.fixture
    def locked(self, run, vault_file):
        vault_file.create().put(make_token())
        assert run("lock", "on", stdin="2580\n2580\n")[0] == 0
        return vault_file

    def test_lock_on_needs_the_same_code_twice(self, run, vault_file):
        vault_file.create().put(make_token())
        code, _, err = run("lock", "on", stdin="2580\n2581\n")
        assert code == cli.EXIT_LOCK
        assert "differ" in err
        assert not vault_file.info().locked

    def test_code_with_the_lock_code_from_the_environment(self, run, locked):
        code, out, _ = run("code", env={"ONETIME_LOCK_CODE": "2580"})
        assert code == 0
        assert len(out.split()[0]) == 8

    def test_code_with_the_lock_code_on_stdin(self, run, locked):
        code, out, _ = run("code", stdin="2580\n")
        assert code == 0
        assert len(out.split()[0]) == 8

    def test_wrong_lock_code(self, run, locked):
        code, out, err = run("code", stdin="0000\n")
        assert code == cli.EXIT_LOCK
        assert out == ""
        assert "アプリロックコードが正しくありません。" in err

    def test_warning_and_wipe_in_english(self, run, locked, tmp_path):
        """The messages follow --lang; the 10th wrong code wipes (exit 4)."""
        results = []
        clock_file = tmp_path / "clock.txt"
        for _ in range(10):
            retry = locked.info().lock.retry_at if locked.exists() else None
            if retry:
                clock_file.write_text(retry.isoformat())
            results.append(run("code", "--lang", "en", stdin="0000\n"))
        assert all(code == cli.EXIT_LOCK for code, _, _ in results)
        assert "3 more wrong codes delete the tokens of every bank" in results[6][2]
        assert "were deleted" in results[9][2]
        assert not locked.exists()

    def test_lock_off(self, run, locked):
        assert run("lock", "off", stdin="2580\n")[0] == 0
        assert not locked.info().locked
        assert run("code")[0] == 0

    def test_missing_stdin_line(self, run, locked):
        code, _, err = run("code")
        assert code == cli.EXIT_ERROR
        assert "expected a line on stdin" in err


class TestSetupErrors:
    """setup's failures before the service (the service's own are in test_e2e)."""

    def test_plain_http_to_another_host_is_refused(self, run):
        code, _, err = run("setup", "--server", "http://otp.example.jp", "--service-id", "0001",
                           "--user-id", "taro", stdin="1234\n")
        assert code == cli.EXIT_USAGE
        assert "https://" in err

    def test_unreachable_service(self, run, vault_path):
        code, out, err = run("setup", "--server", "http://127.0.0.1:9", "--service-id", "0001",
                             "--user-id", "taro", stdin="1234\n")
        assert code == cli.EXIT_UNREACHABLE
        assert out == ""
        assert "サービスに接続できません" in err
        assert not vault_path.exists()  # no empty vault left behind


def test_there_is_no_export_command():
    """Secrets never leave the device: no subcommand exports them."""
    actions = [a for a in cli.parser()._actions if a.dest == "command"]
    assert set(actions[0].choices) == {"setup", "code", "list", "delete", "lock"}


def test_usage_error_is_exit_2(run):
    with pytest.raises(SystemExit) as caught:
        run("code", "--bogus")
    assert caught.value.code == 2
