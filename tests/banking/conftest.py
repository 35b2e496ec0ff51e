"""The banking site's world (tests/banking/world.py) for its domain, service and storage."""

from tests.banking.world import site, world  # noqa: F401 - fixtures
