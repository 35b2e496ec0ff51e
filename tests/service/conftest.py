"""The service tests' world: one bank with the default settings, on both databases."""

from __future__ import annotations

import pytest

from .world import Bank


@pytest.fixture
def bank(services, institution, clock) -> Bank:
    return Bank(services, institution, clock)
