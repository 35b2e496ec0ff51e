"""N `onetime serve` processes behind one haproxy, on 127.0.0.1 and free ports.

The servers are tests/e2e/servers.py's (each in its own process group, killed on the way
out); haproxy runs from deploy/haproxy.cfg, filled in here, in the foreground (-db) in
its own process group too, and is stopped with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

from deploy import debian
from tests.e2e import servers

HERE = Path(__file__).parent
TEMPLATE = HERE / "haproxy.cfg"
ERRORFILE_503 = HERE / "503.http"
# The servers name haproxy's address as a trusted proxy, so X-Forwarded-For counts.
PROXY_ENV = {"ONETIME_TRUSTED_PROXIES": servers.HOST}


@dataclass
class Cluster:
    """What clients talk to (haproxy's URL) and what it balances over."""

    url: str
    servers: list[servers.Server]
    haproxy: subprocess.Popen


def render(port: int, backends: list[tuple[str, int]], pidfile: Path) -> str:
    lines = [f"    server s{n} {host}:{backend_port}"
             for n, (host, backend_port) in enumerate(backends)]
    return Template(TEMPLATE.read_text()).substitute(
        bind=f"{servers.HOST}:{port}", servers="\n".join(lines), pidfile=str(pidfile),
        errorfile_503=str(ERRORFILE_503))


@contextlib.contextmanager
def haproxy(backends: list[tuple[str, int]], directory: Path,
            timeout: float = 15.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """haproxy on a free port in front of `backends`, answering; stopped on the way out."""
    program = debian.require("haproxy")
    port = servers.free_port()
    config = directory / "haproxy.cfg"
    config.write_text(render(port, backends, directory / "haproxy.pid"))
    check = subprocess.run([program, "-c", "-q", "-f", str(config)], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy refuses {config}: {check.stderr or check.stdout}")
    log = (directory / "haproxy.log").open("wb")
    process = subprocess.Popen([program, "-db", "-f", str(config)], stdin=subprocess.DEVNULL,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_listening(port, process, timeout)
        yield f"http://{servers.HOST}:{port}", process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()


@contextlib.contextmanager
def cluster(env: dict[str, str], directory: Path, *, processes: int,
            extra_args: tuple[str, ...] = ()) -> Iterator[Cluster]:
    """`processes` servers of one worker each, behind haproxy; all stopped afterwards."""
    with servers.serve({**env, **PROXY_ENV}, directory, count=processes,
                       extra_args=extra_args) as running, \
            haproxy([(servers.HOST, s.port) for s in running], directory) as (url, process):
        yield Cluster(url, running, process)


def _wait_listening(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex((servers.HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"haproxy not listening on {port} after {timeout} s")
