"""The banking site's migrations create exactly the tables banking/storage/schema.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from onetime.banking.storage.schema import (
    accounts,
    banks,
    billers,
    bills,
    branch_staff,
    contracts,
    journal,
    metadata,
    postings,
    site_users,
    throttle,
    transfer_fees,
    transfers,
    web_sessions,
)
from onetime.storage.database import Database

SITE_TABLES = {t.name for t in (accounts, banks, billers, bills, branch_staff, contracts,
                                journal, postings,
                                site_users, throttle, transfer_fees,
                                transfers, web_sessions)}


def test_migrated_database_matches_the_site_tables(db_url):
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        db.dispose()
    touching_site = [d for d in diff if SITE_TABLES & {getattr(x, "name", None)
                                                       for x in _objects(d)}]
    assert touching_site == []
    assert set(metadata.tables) >= SITE_TABLES


def _objects(change):
    """The tables an autogenerate change names (changes are tuples, sometimes nested)."""
    items = change if isinstance(change, list) else [change]
    for item in items:
        for part in item:
            table = getattr(part, "table", None)
            yield table if table is not None else part
