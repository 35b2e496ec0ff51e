"""Alembic environment of the banking site's history: own version table, own metadata."""

from alembic import context

from onetime.banking.storage.schema import metadata

VERSION_TABLE = "alembic_version_banking"

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through onetime.storage.migrate")
context.configure(connection=connection, target_metadata=metadata,
                  version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
