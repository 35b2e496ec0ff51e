"""End to end: `onetime serve` on 127.0.0.1 and SQLite, the app as CLI and as Textual UI.

The server runs as a subprocess, `onetime serve --dev --kdf test --clock-file F`; the app
runs with the same flags, so moving the time moves both clocks. Each test uses its own
user IDs on one server for the module.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from onetime.app import cli
from onetime.app.client import ServiceClient
from onetime.app.screens.code import CodeScreen
from onetime.app.screens.setup import SetupScreen
from onetime.app.screens.setup_done import SetupDoneScreen
from onetime.app.screens.tokens import TokenListScreen
from onetime.app.ui import make_app
from onetime.app.vault import VaultFile
from onetime.crypto import TEST_KDF
from onetime.domain.clock import FileClock
from tests.app.pilot import fill, fill_setup, settle, text_of

pytestmark = [pytest.mark.xdist_group("app_e2e")]

BIN = Path(sys.executable).parent
BASE = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Thursday
INSTITUTIONS = {"0001": "茨城テスト信用組合", "0002": "山梨テスト銀行"}


@dataclass
class Server:
    url: str
    keys: dict[str, str]
    clock_file: Path
    env: dict[str, str]

    def set_clock(self, instant: datetime) -> None:
        self.clock_file.write_text(instant.isoformat())

    def now(self) -> datetime:
        return FileClock(str(self.clock_file)).now()

    def api(self, method: str, service_id: str, path: str, body: dict | None = None):
        return httpx.request(method, f"{self.url}/api/v1/services/{service_id}/users/{path}",
                             json=body, headers={"Authorization": f"Bearer "
                                                                 f"{self.keys[service_id]}"})

    def issue(self, service_id: str, user_id: str, password: str) -> httpx.Response:
        return self.api("POST", service_id, f"{user_id}/token",
                        {"email": f"{user_id}@example.jp", "activation_password": password})

    def confirm(self, service_id: str, user_id: str, code: str) -> dict:
        return self.api("POST", service_id, f"{user_id}/token/confirmation",
                        {"code": code}).json()

    def verify(self, service_id: str, user_id: str, code: str) -> dict:
        return self.api("POST", service_id, f"{user_id}/verifications",
                        {"code": code, "operation": "transfer"}).json()

    def state(self, service_id: str, user_id: str) -> str:
        return self.api("GET", service_id, f"{user_id}/token").json()["state"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    clock_file = root / "clock.txt"
    clock_file.write_text(BASE.isoformat())
    env = {**os.environ, "ONETIME_DATABASE_URL": f"sqlite:///{root / 'onetime.db'}",
           "ONETIME_KEY_FILE": str(root / "keys.json"), "ONETIME_SMTP_PORT": str(_free_port()),
           "ONETIME_OUTBOX_INTERVAL": "3600"}
    keys = {}
    for service_id, name in INSTITUTIONS.items():
        added = subprocess.run(
            [BIN / "onetime", "institution", "add", "--service-id", service_id, "--name", name,
             "--mail-sender", f"otp@{service_id}.example.jp"],
            env=env, capture_output=True, text=True, check=True, timeout=60)
        keys[service_id] = added.stdout.strip().splitlines()[-1]
    port = _free_port()
    log = (root / "server.log").open("w")
    proc = subprocess.Popen([BIN / "onetime", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--dev", "--kdf", "test", "--clock-file",
                             str(clock_file)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/v1/time", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start: {(root / 'server.log').read_text()[-2000:]}")
        time.sleep(0.1)
    yield Server(url, keys, clock_file, env)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(autouse=True)
def base_time(server):
    server.set_clock(BASE)


@dataclass
class AppRun:
    """How the app's CLI runs against the server: its environment and its --dev flags."""

    env: dict[str, str]
    flags: list[str]


@pytest.fixture
def app_env(server) -> AppRun:
    """Cheap KDF and the server's clock file: `onetime-token --dev`, as the server has."""
    return AppRun(dict(os.environ),
                  ["--dev", "--kdf", "test", "--clock-file", str(server.clock_file)])


def token_cli(app_env: AppRun, vault: Path, *args: str, stdin: str = "",
              env: dict | None = None):
    return subprocess.run([BIN / "onetime-token", *args, "--vault", str(vault),
                           *app_env.flags],
                          input=stdin, capture_output=True, text=True,
                          env={**app_env.env, **(env or {})}, timeout=60)


def ui(server, vault: Path):
    clock = FileClock(str(server.clock_file))
    return make_app(vault, clock, ServiceClient(server.url, TEST_KDF, clock),
                    lock_kdf=TEST_KDF, min_unlock_seconds=0)


class TestCli:
    """Issuance through the API, setup with the CLI, then confirmation and verification."""

    def test_setup_code_confirm_verify(self, server, app_env, tmp_path):
        vault = tmp_path / "vault.json"
        assert server.issue("0001", "cli-taro", "2468").status_code == 201
        setup = token_cli(app_env, vault, "setup", "--server", server.url, "--service-id",
                          "0001", "--user-id", "cli-taro", stdin="2468\n")
        assert (setup.returncode, setup.stdout, setup.stderr) == (0, "", "")
        assert server.state("0001", "cli-taro") == "activated"

        shown = token_cli(app_env, vault, "code")
        code, left = shown.stdout.split()
        assert shown.returncode == 0
        assert left == "60"
        assert server.confirm("0001", "cli-taro", code)["result"] == "accepted"
        assert server.state("0001", "cli-taro") == "active"

        server.set_clock(BASE + timedelta(seconds=61))
        code = token_cli(app_env, vault, "code").stdout.split()[0]
        assert server.verify("0001", "cli-taro", code)["result"] == "accepted"
        assert server.verify("0001", "cli-taro", code)["result"] == "rejected"  # once only

        listed = token_cli(app_env, vault, "list").stdout
        assert listed.startswith("0001\tcli-taro\t茨城テスト信用組合\t")

    def test_wrong_activation_password_then_right(self, server, app_env, tmp_path):
        vault = tmp_path / "vault.json"
        server.issue("0001", "cli-jiro", "1357")
        wrong = token_cli(app_env, vault, "setup", "--server", server.url, "--service-id",
                          "0001", "--user-id", "cli-jiro", stdin="7531\n")
        assert wrong.returncode == 5
        assert wrong.stdout == ""
        assert "利用開始パスワードが正しくありません（残り 4 回）。" in wrong.stderr
        assert not vault.exists()
        right = token_cli(app_env, vault, "setup", "--server", server.url, "--service-id",
                          "0001", "--user-id", "cli-jiro", stdin="1357\n")
        assert right.returncode == 0

    def test_no_issuance(self, server, app_env, tmp_path):
        result = token_cli(app_env, tmp_path / "vault.json", "setup", "--server", server.url,
                           "--service-id", "0001", "--user-id", "nobody", stdin="1234\n")
        assert result.returncode == 5
        assert "トークン発行がありません" in result.stderr

    def test_lock_unlock_and_wipe(self, server, app_env, tmp_path, monkeypatch, capsys):
        """Lock ON by CLI, unlock by env and by stdin, then 10 wrong codes wipe the vault."""
        vault = tmp_path / "vault.json"
        server.issue("0001", "lock-taro", "1111")
        token_cli(app_env, vault, "setup", "--server", server.url, "--service-id", "0001",
                  "--user-id", "lock-taro", stdin="1111\n")
        assert token_cli(app_env, vault, "lock", "on", stdin="864\n864\n").returncode == 0
        assert token_cli(app_env, vault, "code").returncode == 1  # no lock code given
        by_env = token_cli(app_env, vault, "code", env={"ONETIME_LOCK_CODE": "864"})
        assert by_env.returncode == 0
        assert server.confirm("0001", "lock-taro", by_env.stdout.split()[0])["result"] == \
            "accepted"

        # The ten wrong codes run the same CLI in this process: ten interpreters cost 5 s.
        vault_file = VaultFile(vault, FileClock(str(server.clock_file)), lock_kdf=TEST_KDF)
        results = []
        for _ in range(10):
            retry = vault_file.info().lock.retry_at
            if retry:
                server.set_clock(retry)
            monkeypatch.setattr(sys, "stdin", io.StringIO("000\n"))
            results.append((cli.main(["code", "--vault", str(vault), *app_env.flags],
                                     app_env.env),
                            capsys.readouterr().err))
        assert [code for code, _ in results] == [4] * 10
        assert "あと 3 回間違えると" in results[6][1]
        assert "すべての金融機関のトークンを削除しました" in results[9][1]
        assert not vault.exists()
        assert token_cli(app_env, vault, "code", env={"ONETIME_LOCK_CODE": "864"}
                         ).returncode == 3  # nothing left to open
        assert server.state("0001", "lock-taro") == "active"  # the service is not told


@pytest.mark.anyio
class TestUi:
    """The Textual app against the real server."""

    async def test_two_institutions_in_one_vault(self, server, tmp_path):
        vault = tmp_path / "vault.json"
        server.issue("0001", "ui-hanako", "2580")
        server.issue("0002", "ui-hanako", "0852")
        app = ui(server, vault)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await fill_setup(pilot, "0001", "ui-hanako", "2580")
            assert isinstance(app.screen, SetupDoneScreen)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CodeScreen)
            await pilot.press("n")
            await pilot.pause()
            await fill_setup(pilot, "0002", "ui-hanako", "0852")
            assert "山梨テスト銀行" in text_of(pilot, "#body")
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen.token.service_id == "0002"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, TokenListScreen)
            now = server.now()
            tokens = app.vault.tokens
        assert [t.institution_name for t in tokens] == ["茨城テスト信用組合", "山梨テスト銀行"]
        for token in tokens:
            assert server.confirm(token.service_id, "ui-hanako",
                                  token.code_at(now))["result"] == "accepted"

    async def test_unlock_in_the_ui_after_cli_lock(self, server, app_env, tmp_path):
        vault = tmp_path / "vault.json"
        server.issue("0002", "ui-lock", "4444")
        token_cli(app_env, vault, "setup", "--server", server.url, "--service-id", "0002",
                  "--user-id", "ui-lock", stdin="4444\n")
        token_cli(app_env, vault, "lock", "on", stdin="13579\n13579\n")
        app = ui(server, vault)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await fill(pilot, code="13579")
            assert isinstance(app.screen, CodeScreen)
            code = app.screen.token.code_at(server.now())
        assert server.confirm("0002", "ui-lock", code)["result"] == "accepted"

    async def test_embargo_refused_then_allowed_when_the_clock_passes_0810(self, server,
                                                                          tmp_path):
        """Revoked at 21:00 JST: setup says 8:10; at 8:11 a new issuance sets up."""
        vault = tmp_path / "vault.json"
        evening = datetime(2026, 11, 26, 11, 55, tzinfo=UTC)  # 20:55 JST
        server.set_clock(evening)
        server.issue("0001", "emb-taro", "1212")
        app = ui(server, vault)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await fill_setup(pilot, "0001", "emb-taro", "1212")
            assert isinstance(app.screen, SetupDoneScreen)
            token = app.vault.tokens[0]
        assert server.confirm("0001", "emb-taro", token.code_at(server.now()))["result"] == \
            "accepted"

        server.set_clock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # 21:00 JST
        revoked = server.api("POST", "0001", "emb-taro/token/revocation",
                             {"actor": "user:master", "reason": "phone change"}).json()
        assert revoked["setup_available_at"].startswith("2026-11-26T23:10")  # 8:10 JST
        assert server.issue("0001", "emb-taro", "3434").json()["code"] == "setup_embargoed"

        app = ui(server, vault)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            await fill_setup(pilot, "0001", "emb-taro", "1212")
            assert isinstance(app.screen, SetupScreen)
            assert text_of(pilot, "#message") == "初期設定は 8:10 以降に可能です"

            server.set_clock(datetime(2026, 11, 26, 23, 11, tzinfo=UTC))  # 8:11 JST
            assert server.issue("0001", "emb-taro", "3434").status_code == 201
            await fill_setup(pilot, "0001", "emb-taro", "3434")
            assert isinstance(app.screen, SetupDoneScreen)
            await settle(pilot)
            new = app.vault.tokens
        assert len(new) == 1
        assert new[0].serial != token.serial
        assert server.confirm("0001", "emb-taro", new[0].code_at(server.now()))["result"] == \
            "accepted"

    async def test_time_check_against_the_server(self, server, tmp_path):
        """時刻確認 compares with /api/v1/time: the same file clock, so no difference."""
        from onetime.app.screens.time_check import TimeCheckScreen
        app = ui(server, tmp_path / "vault.json")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.push_screen(TimeCheckScreen())
            await settle(pilot)
            assert text_of(pilot, "#verdict") == "端末の時刻は正確です。"
