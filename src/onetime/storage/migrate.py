"""Schema migrations with Alembic, run from code (no alembic.ini to find).

Two histories: the OTP service's (this package, version table `alembic_version`) and
the banking site's (onetime.banking, `alembic_version_banking`). `upgrade` runs both on
one database, as `onetime migrate`, `serve` and the tests always have; a site whose
database is its own runs only the banking part there, and the OTP service alone only
the OTP part. The banking history is named by its location, not imported: this package
does not depend on the site's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, exc, inspect, select, table

from onetime.storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class History:
    script_location: str
    version_table: str
    # A database an older onetime migrated has these tables under the OTP history:
    # such a database is stamped at `adopt_at` instead of having them created again.
    adopt_table: str | None = None
    adopt_at: str | None = None


OTP = History(str(MIGRATIONS), "alembic_version")
BANKING = History("onetime.banking.storage:migrations", "alembic_version_banking",
                  adopt_table="contracts", adopt_at="51d58d3aba9c")
PARTS = {"otp": OTP, "banking": BANKING}


def _config(connection, history: History = OTP) -> Config:
    config = Config()
    config.set_main_option("script_location", history.script_location)
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database, revision: str = "head", *,
            parts: tuple[str, ...] = ("otp", "banking")) -> None:
    """Bring the schema of `parts` up to date; safe to run on every start. `revision` is
    the OTP history's (a test that builds a database as an older onetime left it)."""
    for part in parts:
        history = PARTS[part]
        with db.engine.begin() as conn:
            config = _config(conn, history)
            tables = inspect(conn)
            if (history.adopt_table and not tables.has_table(history.version_table)
                    and tables.has_table(history.adopt_table)):
                command.stamp(config, history.adopt_at)
            command.upgrade(config, revision if part == "otp" else "head")


def behind(db: Database, parts: tuple[str, ...] = ("otp", "banking")) -> list[str] | None:
    """The parts whose schema is not at their latest revision ([] when all are), or None
    when the database cannot be asked (for /readyz: a server must not serve an old schema).
    """
    try:
        with db.engine.connect() as conn:
            return [part for part in parts
                    if frozenset(MigrationContext.configure(
                        conn, opts={"version_table": PARTS[part].version_table})
                        .get_current_heads()) != _heads(PARTS[part])]
    except exc.SQLAlchemyError:
        return None


@cache
def _heads(history: History) -> frozenset[str]:
    # The scripts do not change while a process runs: read them once.
    return frozenset(ScriptDirectory.from_config(_config(None, history)).get_heads())


def revision(db: Database, message: str, *, part: str = "otp") -> None:
    """Autogenerate a migration from the difference between a schema module and `db`."""
    with db.engine.begin() as conn:
        command.revision(_config(conn, PARTS[part]), message=message, autogenerate=True)


def revisions(conn) -> dict[str, str | None]:
    """Each history's revision in the database on `conn` (None: never migrated)."""
    tables = inspect(conn)
    out: dict[str, str | None] = {}
    for part, history in PARTS.items():
        if not tables.has_table(history.version_table):
            out[part] = None
            continue
        rows = conn.execute(select(column("version_num"))
                            .select_from(table(history.version_table))).all()
        out[part] = rows[0][0] if rows else None
    return out


def known(part: str, revision_id: str) -> bool:
    """Whether this onetime's `part` history has `revision_id` (else a newer one made it)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    script = ScriptDirectory.from_config(_config(None, PARTS[part]))
    try:
        return script.get_revision(revision_id) is not None
    except CommandError:
        return False
