"""The failover drill (deploy/failover.py) as a test: about a minute, bounded by its limits.

A PostgreSQL primary and synchronous standby of their own, on free ports; the drill kills
the primary with SIGKILL under load, promotes the standby and proves that no
acknowledged acceptance is lost, no code accepted twice, failure counts intact, the audit
trail verifies, and that clients saw only 200 and 503 with Retry-After. In the xdist
group of the races: both load the machine, and neither should slow the other.
"""

from __future__ import annotations

import pytest

from deploy import failover
from tests.deploy.conftest import require_program
from tests.e2e import servers

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("races")]


def test_the_failover_drill_passes(tmp_path):
    for program in ("haproxy", "initdb", "pg_ctl", "pg_basebackup"):
        require_program(program, "haproxy" if program == "haproxy" else "postgresql-15")

    drill = failover.run(tmp_path, servers.free_port(), servers.free_port(),
                         progress=lambda _message: None)

    report = failover.report(drill)
    assert drill.ok, report
    assert drill.downtime is not None, report
    assert drill.downtime < failover.RECOVERY_LIMIT, report
    # The primary was killed under load: clients saw the switch, and were served after it.
    assert any(a.status == 503 for a in drill.answers)
    assert any(a.status == 200 and a.started > drill.promoted for a in drill.answers)
