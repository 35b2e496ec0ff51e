"""Files the operator's installation keeps are its owner's alone: 0600 files in a 0700 directory.

Run as real `onetime` subprocesses under the common umask 022, which would otherwise
leave files 0644 and directories 0755.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.e2e import servers
from tests.polling import eventually


def run(env: dict, *args: str, check: bool = True,
        timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "onetime.cli", *args], env=env,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed: {result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(autouse=True)
def common_umask():
    """The children inherit umask 022, as from an ordinary login shell."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def var(tmp_path) -> Path:
    return tmp_path / "var"  # not there yet: onetime makes it


@pytest.fixture
def env(var, db_url):
    """ONETIME_VAR alone: the SQLite database, key file and anchor in their default places."""
    env = {**os.environ, "ONETIME_VAR": str(var)}
    for name in ("ONETIME_DATABASE_URL", "ONETIME_KEY_FILE", "ONETIME_AUDIT_ANCHOR"):
        env.pop(name, None)
    if not db_url.startswith("sqlite"):
        env["ONETIME_DATABASE_URL"] = db_url
    return env


def exposed(directory: Path) -> dict[str, str]:
    """Everything under `directory` that anyone but its owner may read, write or enter."""
    found = {}
    for path in [directory, *directory.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            found[str(path.relative_to(directory.parent))] = oct(mode)
    return found


class TestCreatedPrivate:
    def test_migrate_and_the_commands_make_owner_only_files(self, env, var):
        """Database, key file, anchor, lock files and their directory: 0600 and 0700."""
        run(env, "migrate")
        run(env, "institution", "add", "--service-id", "0201", "--name", "n",
            "--mail-sender", "otp@x.example.jp")
        run(env, "audit", "verify")
        assert (var / "keys.json").exists()
        assert (var / "audit-anchor.json").exists()
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        assert exposed(var) == {}

    def test_a_serving_server_under_writes_keeps_its_files_private(self, env, var, tmp_path):
        """While `onetime serve` writes (its -wal and -shm files open), nothing is exposed."""
        api_key = run(env, "institution", "add", "--service-id", "0202", "--name", "n",
                      "--mail-sender", "otp@x.example.jp").stdout.strip().splitlines()[-1]
        server = servers.start({k: v for k, v in env.items() if k.startswith("ONETIME_")},
                               tmp_path / "serve.log")
        try:
            servers.wait_ready(server)
            for n in range(20):  # writes: each verification is audited, even of no token
                request = urllib.request.Request(
                    f"{server.url}/api/v1/services/0202/users/u{n}/verifications",
                    data=json.dumps({"code": "12345678", "operation": "login"}).encode(),
                    headers={"Content-Type": "application/json",
                             "Authorization": f"Bearer {api_key}"}, method="POST")
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert json.load(response)["result"] == "not_active"
            if "sqlite" in env.get("ONETIME_DATABASE_URL", "sqlite"):
                eventually(lambda: (var / "onetime.db-wal").exists(), "the WAL file open")
                assert (var / "onetime.db-shm").exists()
            eventually(lambda: (var / "audit-anchor.json").exists(), "entries sealed")
            assert exposed(var) == {}
        finally:
            server.stop()


class TestServeRefusesAnExposedKeyFile:
    @pytest.mark.parametrize("mode", [0o644, 0o620])
    def test_serve_refuses_a_key_file_others_can_read_or_write(self, env, var, mode):
        """A key file readable or writable by group or others: `serve` exits 1 and says why."""
        run(env, "migrate")
        (var / "keys.json").chmod(mode)
        # A server that starts anyway would run until this timeout.
        result = run(env, "serve", "--port", str(servers.free_port()), check=False, timeout=20)
        assert result.returncode == 1
        assert "keys.json" in result.stderr
        assert "chmod 600" in result.stderr


class TestWithoutTheCommand:
    def test_the_database_and_the_key_file_are_private_under_any_umask(self, tmp_path):
        """Code that opens the database itself (not through `onetime`) still makes 0600 files."""
        from sqlalchemy import text

        from onetime.crypto import FileKeyProvider
        from onetime.storage.database import Database
        var = tmp_path / "lib"
        db = Database(f"sqlite:///{var / 'onetime.db'}")
        try:
            with db.write() as conn:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))
                conn.execute(text("INSERT INTO t VALUES (1)"))
            with db.read() as conn:  # WAL and shared memory files exist while connected
                assert conn.execute(text("SELECT x FROM t")).scalar() == 1
                assert (var / "onetime.db-wal").exists()
                FileKeyProvider.create(var / "keys" / "keys.json")
                assert exposed(var) == {}
        finally:
            db.dispose()
