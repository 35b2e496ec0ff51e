"""The end-to-end fixtures: a site (database, key file, institution) on each database."""

from __future__ import annotations

import pytest

from tests.e2e import servers


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request, tmp_path):
    if request.param == "postgresql" and (problem := servers.postgres_problem()):
        if servers.REQUIRE_PG:
            pytest.fail(f"PostgreSQL required but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    with servers.site(request.param, tmp_path / "site") as s:
        yield s
