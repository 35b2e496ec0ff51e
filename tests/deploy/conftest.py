"""Deploy tests need haproxy (and the drill PostgreSQL's binaries): CI installs them.

As with ONETIME_REQUIRE_POSTGRES, a missing program is a failure in CI (CI=true) and a
skip elsewhere, so that the scale-out tests never silently stop running where it counts.
"""

from __future__ import annotations

import os

import pytest

from deploy import debian

# The end-to-end site (a migrated database on SQLite and on PostgreSQL, a key file, one
# institution), as the e2e tests have it.
from tests.e2e.conftest import site  # noqa: F401

IN_CI = os.environ.get("CI") == "true"


def require_program(program: str, package: str) -> str:
    try:
        return debian.require(program, package, install=False)
    except debian.MissingTool as missing:
        if IN_CI:
            pytest.fail(f"CI must run the deploy tests: {missing}")
        pytest.skip(str(missing))
