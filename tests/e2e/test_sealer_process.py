"""`onetime serve` seals the audit trail in a process of its own, beside its workers.

The workers' fallback sealer threads get ONETIME_SEAL_INTERVAL=1000, so within a test
they never run a round: whatever is sealed, the dedicated process sealed.
"""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from onetime.service.audit import ELECTION, read_anchor, verify_chain
from onetime.service.services import SEALER_NICENESS
from tests.e2e import servers
from tests.polling import eventually

DEADLINE = 30.0
ENTRIES = 500


def env_of(site: servers.Site) -> dict[str, str]:
    return {**site.env, "ONETIME_SEAL_INTERVAL": "1000", "ONETIME_SEALER_INTERVAL": "0.05"}


def append(site: servers.Site, count: int) -> None:
    ctx = site.ctx
    with ctx.db.write() as conn:
        for n in range(count):
            ctx.audit.append(conn, at=ctx.clock.now(), institution_id=site.institution.id,
                             event="code_verified", user_id=f"user{n}", result="accepted")


def unsealed(site: servers.Site) -> int:
    with site.ctx.db.read() as conn:
        return site.ctx.audit.count_unsealed(conn)


def election_free(site: servers.Site) -> bool:
    with site.ctx.db.exclusive(ELECTION) as elected:
        return elected


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def sealer_pids(server: servers.Server) -> list[int]:
    """The server's spawned children that are not its workers (nor multiprocessing's tracker)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # ended while we looked
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == server.process.pid and b"spawn_main" in cmdline and alive(int(entry.name)):
            pids.append(int(entry.name))
    workers = set(server.worker_pids())
    return [pid for pid in pids if pid not in workers]


def reaped(pid: int) -> bool:
    """Gone from the process table: ended AND waited for (a zombie still has an entry)."""
    return not Path(f"/proc/{pid}").exists()


def readiness(server: servers.Server) -> tuple[int, str | None]:
    """/readyz's status code and what it says of the sealer (any worker may answer)."""
    try:
        with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body).get("checks", {}).get("sealer")
    except ValueError:
        return status, None


def test_serve_seals_in_a_process_of_its_own_that_ends_with_the_server(site, tmp_path):
    """Entries are sealed and anchored while the workers' threads sleep; SIGTERM ends it all."""
    with servers.serve(env_of(site), tmp_path, workers=2) as [server]:
        (sealer,) = sealer_pids(server)
        # Niced below the workers: sealing must not take the CPU from requests.
        assert niceness(sealer) - niceness(server.worker_pids()[0]) == SEALER_NICENESS
        append(site, ENTRIES)
        eventually(lambda: unsealed(site) == 0, "every entry sealed")
        assert not election_free(site)
        server_ctx = replace(site.ctx, audit_anchor=site.dir / "audit-anchor.json")
        report = verify_chain(server_ctx)
        assert (report.ok, report.sealed) == (True, ENTRIES + 1)  # + institution_added
        assert read_anchor(server_ctx, server_ctx.audit_anchor)[0] == ENTRIES + 1
        # The server alone, not its group: it must end the sealer itself.
        os.kill(server.process.pid, signal.SIGTERM)
        server.process.wait(DEADLINE)
        eventually(lambda: not alive(sealer), "the sealer process ended")
        eventually(lambda: election_free(site), "the election released")


def test_no_sealer_process_leaves_sealing_to_the_workers(site, tmp_path):
    """With --no-sealer-process nothing but the workers runs, and nobody holds the election."""
    with servers.serve(env_of(site), tmp_path, workers=1,
                       extra_args=("--no-sealer-process",)) as [server]:
        # The sealer would have been started before the server began listening.
        assert sealer_pids(server) == []
        assert election_free(site)


def test_a_server_killed_outright_does_not_leave_its_sealer_behind(site, tmp_path):
    """SIGKILL runs no exit handler; the orphaned sealer notices and ends, freeing the lock."""
    with servers.serve(env_of(site), tmp_path, workers=1) as [server]:
        (sealer,) = sealer_pids(server)
        eventually(lambda: not election_free(site), "the sealer elected")
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(DEADLINE)
        eventually(lambda: not alive(sealer), "the orphaned sealer ended")
        eventually(lambda: election_free(site), "the election released")


def test_a_killed_sealer_is_reaped_and_restarted_and_readyz_follows_it(site, tmp_path):
    """kill -9: no zombie is left, /readyz says 503 while it is down, a new one seals."""
    with servers.serve(env_of(site), tmp_path, workers=2) as [server]:
        eventually(lambda: readiness(server) == (200, "running"), "ready, sealer running")
        (sealer,) = sealer_pids(server)
        os.kill(sealer, signal.SIGKILL)
        eventually(lambda: reaped(sealer), "the killed sealer reaped, not a zombie")
        # Down until the back-off (1 s) has passed and the new process has beaten once.
        eventually(lambda: readiness(server) == (503, "down"), "/readyz: sealer down")
        eventually(lambda: readiness(server) == (200, "running"), "/readyz: running again")
        (restarted,) = sealer_pids(server)
        assert restarted != sealer
        append(site, ENTRIES)
        eventually(lambda: unsealed(site) == 0, "the restarted sealer sealing")
        assert "audit sealer process" in server.log_text()  # its exit was logged
        assert verify_chain(replace(site.ctx, audit_anchor=site.dir / "audit-anchor.json")).ok


def test_without_a_sealer_process_readyz_does_not_wait_for_one(site, tmp_path):
    """--no-sealer-process: the workers' threads seal; /readyz is 200 with the sealer "off"."""
    with servers.serve(env_of(site), tmp_path, extra_args=("--no-sealer-process",)) as [server]:
        assert readiness(server) == (200, "off")
