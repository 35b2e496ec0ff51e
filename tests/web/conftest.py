"""The banking site's world (tests/banking/world.py), for the site's routes and browser."""

from tests.banking.world import site, world  # noqa: F401 - fixtures
