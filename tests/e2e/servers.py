"""Real `onetime serve` processes for end-to-end tests and the benchmark.

`site` makes what a server needs: a fresh database (a SQLite file, or a PostgreSQL
database created for the occasion and dropped after), a key file and one institution
with its API key. `serve` starts servers on it: subprocesses in their own process
groups, bound to 127.0.0.1 on free ports; it waits until every worker has finished
its startup, within a bounded time, and always kills the whole group on the way out.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import SystemClock
from onetime.domain.institutions import Institution
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database

PG_ADMIN_URL = os.environ.get("ONETIME_TEST_PG",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ONETIME_REQUIRE_POSTGRES") == "1"
HOST = "127.0.0.1"
STARTED = re.compile(r"Started server process \[(\d+)\]")
READY = "Application startup complete."
# The service's setup and issuance at argon2's minimum cost, as the Site's context has.
DEV_ARGS = ("--dev", "--kdf", "test")
# What tests add to see each worker start; `public` servers start as an operator's do.
# A loaded CI machine starts workers slowly: uvicorn kills one silent for 5 s by default.
TEST_ARGS = ("--log-level", "info", "--no-access-log", "--worker-healthcheck-timeout", "60",
             *DEV_ARGS)


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick for port 0)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One `onetime serve` process (a supervisor if it has several workers)."""

    process: subprocess.Popen
    port: int
    log: Path
    workers: int
    public: bool = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def worker_pids(self) -> list[int]:
        """The PIDs of the processes that serve requests, as uvicorn logged them."""
        if self.public and self.workers > 1:  # it logs warnings only: look for them
            return _uvicorn_workers(self.process.pid, self.port)
        pids = [int(p) for p in STARTED.findall(self.log_text())]
        # With one worker, uvicorn serves in the process it was started as.
        return pids or [self.process.pid]

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the group, then SIGKILL if it has not gone within `timeout`."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        # The group may hold workers whose supervisor already exited.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


def start(env: dict[str, str], log: Path, *, workers: int = 1,
          extra_args: tuple[str, ...] = (), public: bool = False) -> Server:
    """Start `onetime serve` on a free port; does not wait for it (see `wait_ready`).

    `public`: with the options an operator would give (`onetime serve --workers N`), not
    the tests' (TEST_ARGS): the benchmark measures what a bank runs.
    """
    port = free_port()
    args = [sys.executable, "-m", "onetime.cli", "serve", "--host", HOST, "--port", str(port),
            "--workers", str(workers), *(() if public else TEST_ARGS), *extra_args]
    with log.open("wb") as out:
        process = subprocess.Popen(args, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Server(process, port, log, workers, public)


def wait_ready(server: Server, timeout: float = 30.0, *, ready_path: str = "/api/v1/time") -> None:
    """Return once every worker has started and `ready_path` answers; else raise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n"
                               f"{server.log_text()[-3000:]}")
        started = len(server.worker_pids()) if server.public \
            else server.log_text().count(READY)
        if started >= server.workers and _answers(server, ready_path):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout} s:\n{server.log_text()[-3000:]}")


def _uvicorn_workers(supervisor: int, port: int) -> list[int]:
    """The processes other than the supervisor that hold the server's listening socket.

    uvicorn hands its socket to each worker it spawns; the sealer process, spawned too,
    does not get it.
    """
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == supervisor:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[2]) != supervisor:  # its group
                    continue
            fds = os.listdir(f"/proc/{entry}/fd")
            if any(os.readlink(f"/proc/{entry}/fd/{fd}") in inodes for fd in fds):
                pids.append(int(entry))
        except OSError:
            continue
    return pids


def _answers(server: Server, path: str) -> bool:
    """Whether `path` answers at all (any HTTP status counts: the server is up)."""
    try:
        with urllib.request.urlopen(f"{server.url}{path}", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@contextlib.contextmanager
def serve(env: dict[str, str], log_dir: Path, *, count: int = 1, workers: int = 1,
          extra_args: tuple[str, ...] = (), timeout: float = 30.0,
          public: bool = False) -> Iterator[list[Server]]:
    """`count` servers (each on its own port, with `workers` processes), ready; then killed.

    The database must already be migrated: servers migrate on start, and several doing
    it at once on a fresh database would race.
    """
    servers: list[Server] = []
    try:
        for n in range(count):
            servers.append(start(env, log_dir / f"server-{n}.log", workers=workers,
                                 extra_args=extra_args, public=public))
        for server in servers:
            wait_ready(server, timeout)
        yield servers
    finally:
        for server in servers:
            server.stop()


# -- what a server serves ---------------------------------------------------------------


def postgres_problem(admin_url: str = PG_ADMIN_URL) -> str | None:
    """Why PostgreSQL cannot be used here, or None if it answers."""
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT",
                               connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "no server here"
        return f"{type(exc).__name__}: {exc}"[:200]


@contextlib.contextmanager
def postgres_database(admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (its URL), dropped afterwards."""
    name = f"onetime_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Site:
    """A migrated database, a key file and one institution: what servers share."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    key_file: Path
    dir: Path
    ctx: Context
    institution: Institution
    api_key: str

    @property
    def env(self) -> dict[str, str]:
        """The environment of a server process on this site."""
        return {"ONETIME_DATABASE_URL": self.url, "ONETIME_KEY_FILE": str(self.key_file),
                "ONETIME_VAR": str(self.dir),
                # No SMTP server listens there: queued mails wait in the outbox.
                "ONETIME_SMTP_PORT": str(free_port())}


@contextlib.contextmanager
def site(kind: str, directory: Path, *, service_id: str = "0001",
         admin_url: str = PG_ADMIN_URL) -> Iterator[Site]:
    """A fresh site on `kind` ("sqlite" or "postgresql") under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{directory / 'onetime.db'}"
        else:
            url = stack.enter_context(postgres_database(admin_url))
        db = Database(url)
        stack.callback(db.dispose)
        migrate.upgrade(db)
        key_file = directory / "keys.json"
        ctx = Context(db=db, keyring=KeyRing(FileKeyProvider.create(key_file)),
                      clock=SystemClock(), setup_kdf=TEST_KDF)
        institution, key = Services.from_context(ctx).institutions.add(
            service_id, "レース試験信用組合", "otp@bank.example.jp")
        yield Site(kind, url, key_file, directory, ctx, institution, key.reveal_text())
