"""How long setup (初期設定) takes, on the server and in the app, with production argon2id.

    .venv/bin/python -m tests.app.measure_setup [RUNS]

Server: CPU time (time.process_time) of SetupService.start plus SetupService.finish,
with the app's own work (argon2id, SPAKE2) done outside the timed parts. The
argon2id on the activation password runs at issuance, not at setup, so what is
timed is the SPAKE2 response, the HKDF, the key-ring decryptions and encryptions,
and the SQLite reads and writes (session row, activation, audit, mail queue).

App: wall time of ServiceClient.set_up against `onetime serve` on 127.0.0.1 with the
production KDF: argon2id on the activation password, SPAKE2, two HTTP round trips,
the key confirmation and the decryption. Then the same through `onetime-token setup`
as a process (adds Python's start-up and the vault write).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from onetime.app.client import ServiceClient
from onetime.crypto import PRODUCTION_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import SystemClock
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.setup.protocol import Client
from onetime.storage import migrate
from onetime.storage.database import Database

BIN = Path(sys.executable).parent


def server_cpu(runs: int, root: Path) -> list[float]:
    url = f"sqlite:///{root / 'measure.db'}"
    db = Database(url)
    migrate.upgrade(db)
    ctx = Context(db=db, keyring=KeyRing(FileKeyProvider.create(root / "keys.json")),
                  clock=SystemClock(), setup_kdf=PRODUCTION_KDF)
    services = Services.from_context(ctx)
    institution, _ = services.institutions.add("0001", "計測信用組合", "otp@bank.example.jp")
    times = []
    for i in range(runs):
        user = f"user{i}"
        services.tokens.issue_token(institution, user, f"{user}@example.jp", "1234")
        app = Client("0001", user, "1234", PRODUCTION_KDF)
        started_cpu = time.process_time()
        started = services.setup.start("0001", user, app.message)
        start_cpu = time.process_time() - started_cpu
        mac = app.answer(started.session_id, started.message)
        finish_started = time.process_time()
        done = services.setup.finish(started.session_id, mac)
        times.append((start_cpu + time.process_time() - finish_started) * 1000)
        app.open(done.server_mac, done.sealed)
    db.dispose()
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_wall(runs: int, root: Path) -> tuple[list[float], list[float]]:
    env = {**os.environ, "ONETIME_DATABASE_URL": f"sqlite:///{root / 'serve.db'}",
           "ONETIME_KEY_FILE": str(root / "serve-keys.json"),
           "ONETIME_SMTP_PORT": str(_free_port()), "ONETIME_OUTBOX_INTERVAL": "3600"}
    added = subprocess.run([BIN / "onetime", "institution", "add", "--service-id", "0001",
                            "--name", "計測信用組合", "--mail-sender", "otp@bank.example.jp"],
                           env=env, capture_output=True, text=True, check=True)
    key = added.stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen([BIN / "onetime", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/api/v1/time", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        library, process = [], []
        client = ServiceClient(url, PRODUCTION_KDF, SystemClock())
        for i in range(runs * 2):
            user = f"app{i}"
            httpx.post(f"{url}/api/v1/services/0001/users/{user}/token",
                       json={"email": f"{user}@example.jp", "activation_password": "1234"},
                       headers={"Authorization": f"Bearer {key}"}, timeout=30).raise_for_status()
            started = time.perf_counter()
            if i < runs:
                client.set_up("0001", user, "1234")
                library.append((time.perf_counter() - started) * 1000)
            else:
                subprocess.run([BIN / "onetime-token", "setup", "--server", url,
                                "--service-id", "0001", "--user-id", user, "--vault",
                                str(root / "vault.json")], input="1234\n", text=True,
                               check=True)
                process.append((time.perf_counter() - started) * 1000)
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return library, process


def _summary(name: str, values: list[float]) -> str:
    return (f"{name}: median {statistics.median(values):.1f} ms, "
            f"min {min(values):.1f}, max {max(values):.1f} (n={len(values)})")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(_summary("server CPU, SetupService.start+finish", server_cpu(runs, root)))
        library, process = app_wall(runs, root)
        print(_summary("app wall, ServiceClient.set_up (HTTP, 127.0.0.1)", library))
        print(_summary("app wall, `onetime-token setup` process", process))


if __name__ == "__main__":
    main()
