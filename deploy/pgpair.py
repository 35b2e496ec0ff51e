"""A PostgreSQL 15 primary and a synchronous streaming standby, on local ports, for the drill.

initdb makes the primary; pg_basebackup -R copies it into the standby, which streams with
application_name `standby1`, the one name in the primary's synchronous_standby_names:
a COMMIT returns only once the standby has the WAL on disk (synchronous_commit = on), so
an acknowledged commit survives the primary's loss. The settings are given on the
command line, not in postgresql.conf, so that the copied configuration does not make the
standby wait for a standby of its own once promoted.

PostgreSQL refuses to run as root: as root, every program runs as the `postgres` user of
the Debian package (runuser -u postgres), in a directory made for it and removed after.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deploy import debian

HOST = "127.0.0.1"
STANDBY_NAME = "standby1"
COMMON = ("-c", f"listen_addresses={HOST}", "-c", "wal_level=replica",
          "-c", "max_wal_senders=5", "-c", "hot_standby=on", "-c", "fsync=on",
          "-c", "synchronous_commit=on", "-c", "max_connections=200")


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(_as_postgres(command), capture_output=True, text=True,
                          check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr or done.stdout}")


@dataclass
class Node:
    data: Path
    port: int
    log: Path
    options: tuple[str, ...]

    def start(self) -> None:
        _run([debian.require("pg_ctl", "postgresql-15"), "-D", str(self.data), "-l",
              str(self.log), "-w", "-t", "60", "-o", " ".join(self.options), "start"],
             f"starting PostgreSQL on port {self.port}")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def stop_now(self) -> None:
        """pg_ctl stop -m immediate, if it runs (the clean-up)."""
        if self.postmaster_pid() is not None:
            subprocess.run(_as_postgres([debian.require("pg_ctl", "postgresql-15"), "-D",
                                         str(self.data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, check=False, timeout=60)


@dataclass
class PgPair:
    primary: Node
    standby: Node

    def url(self, database: str) -> str:
        """Both nodes, as libpq tries them: the first that takes writes is the primary."""
        return (f"postgresql+psycopg://postgres@/{database}?host={HOST}:{self.primary.port}"
                f"&host={HOST}:{self.standby.port}&target_session_attrs=read-write"
                "&connect_timeout=2")

    def node_url(self, node: Node, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{node.port}/{database}"

    def kill_primary(self) -> float:
        """SIGKILL to the primary's postmaster and every process it started; returns when."""
        pid = self.primary.postmaster_pid()
        if pid is None:
            raise RuntimeError("the primary is not running")
        victims = [pid, *_children(pid)]
        at = time.monotonic()
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        return at

    def promote(self) -> None:
        _run([debian.require("pg_ctl", "postgresql-15"), "-D", str(self.standby.data), "-w",
              "-t", "60", "promote"], "promoting the standby")


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


@contextlib.contextmanager
def pg_pair(primary_port: int, standby_port: int,
            sync_timeout: float = 30.0) -> Iterator[PgPair]:
    """A running primary and its synchronous standby; both stopped and deleted after."""
    initdb = debian.require("initdb", "postgresql-15")
    basebackup = debian.require("pg_basebackup", "postgresql-15")
    root = Path(tempfile.mkdtemp(prefix="onetime-failover-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    sockets = ("-c", f"unix_socket_directories={root}")
    primary = Node(root / "primary", primary_port, root / "primary.log",
                   (*COMMON, *sockets, "-c", f"port={primary_port}",
                    "-c", f"synchronous_standby_names={STANDBY_NAME}"))
    standby = Node(root / "standby", standby_port, root / "standby.log",
                   (*COMMON, *sockets, "-c", f"port={standby_port}",
                    "-c", "synchronous_standby_names="))
    pair = PgPair(primary, standby)
    try:
        # trust on 127.0.0.1, replication included: a drill on loopback, nothing else.
        _run([initdb, "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"], "initdb")
        _touch_log(primary.log)
        primary.start()
        _run([basebackup, "-d", f"host={HOST} port={primary_port} user=postgres "
              f"application_name={STANDBY_NAME}", "-D", str(standby.data), "-R",
              "-X", "stream", "-c", "fast"], "pg_basebackup")
        _touch_log(standby.log)
        standby.start()
        _wait_synchronous(pair, sync_timeout)
        yield pair
    finally:
        standby.stop_now()
        primary.stop_now()
        shutil.rmtree(root, ignore_errors=True)


def _touch_log(path: Path) -> None:
    path.touch()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


def _wait_synchronous(pair: PgPair, timeout: float) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pair.node_url(pair.primary), isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                state = conn.execute(text(
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = :n"),
                    {"n": STANDBY_NAME}).scalar()
            if state == "sync":
                return
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise RuntimeError(f"the standby is not a synchronous standby after {timeout} s")
