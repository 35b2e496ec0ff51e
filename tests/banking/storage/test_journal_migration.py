"""Banking migration b4d2e6f81a3c (journal, postings, transfer fees): a database with
transfers booked before it keeps them (fee 0, no value date, no journal entry), and the
migration goes down and up again. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import MetaData, Table, inspect, select

from onetime.storage import migrate
from onetime.storage.database import Database

BEFORE = "7c1e0b2a9f4d"
NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def _banking(conn, step, revision):
    step(migrate._config(conn, migrate.BANKING), revision)


def _old_rows(conn) -> None:
    """A bank, a contract, two accounts and one transfer, as the old schema held them."""
    tables = MetaData()
    table = {n: Table(n, tables, autoload_with=conn)
             for n in ("banks", "contracts", "accounts", "transfers")}
    conn.execute(table["banks"].insert().values(id=1, service_id="0001", name="旧",
                                                mail_sender="a@b.jp", created_at=NOW))
    conn.execute(table["contracts"].insert().values(id=1, institution_id=1, number="1",
                                                    name="旧商事", created_at=NOW))
    for n in (1, 2):
        conn.execute(table["accounts"].insert().values(
            id=n, institution_id=1, contract_id=1, kind="customer", bank_code="2101",
            branch_code="001", account_type="ordinary", account_number=f"{n:07d}",
            holder_name="キユウ", balance=100, created_at=NOW))
    conn.execute(table["transfers"].insert().values(
        id=1, institution_id=1, contract_id=1, site_user_id=1, request_id="old",
        from_account_id=1, to_account_id=2, bank_code="2101", branch_code="001",
        account_type="ordinary", account_number="0000002", holder_name="キユウ", amount=5,
        executed_at=NOW))


def test_old_transfers_survive_the_journal_migration_and_it_goes_down_and_up(db_url):
    db = Database(db_url)
    try:
        with db.engine.begin() as conn:
            _banking(conn, command.downgrade, BEFORE)
        with db.engine.begin() as conn:
            assert not inspect(conn).has_table("journal")
            _old_rows(conn)
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert {"journal", "postings", "transfer_fees"} <= names
            transfers = Table("transfers", MetaData(), autoload_with=conn)
            assert conn.execute(select(transfers.c.request_id, transfers.c.fee,
                                       transfers.c.value_date, transfers.c.journal_id)
                                ).all() == [("old", 0, None, None)]
    finally:
        db.dispose()
