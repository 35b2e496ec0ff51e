"""Statements on the driver's cursor must store and compare exactly as SQLAlchemy does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import sqlite

from onetime.storage.driver import DriverStatement, from_db, to_db
from onetime.storage.schema import audit_log

JST = timezone(timedelta(hours=9))
aware = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.sampled_from([UTC, JST]))

LATER_THAN = DriverStatement(select(audit_log.c.id, audit_log.c.at)
                             .where(audit_log.c.at > bindparam("now"))
                             .order_by(audit_log.c.id))
APPEND = DriverStatement(insert(audit_log).values(at=bindparam("at"), event="driver-test"))


def test_sqlite_text_is_sqlalchemys_own_storage_format():
    """SQLite compares datetimes as text: a different format would order them wrongly."""
    moment = datetime(2026, 11, 26, 8, 10, 0, tzinfo=JST)
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    expected = sqlite.DATETIME().bind_processor(sqlite.dialect())(naive)
    assert to_db(moment, "sqlite") == expected == "2026-11-25 23:10:00.000000"
    assert to_db(moment, "postgresql") == naive


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        to_db(datetime(2026, 11, 26, 8, 10), "sqlite")


def test_what_is_read_back_is_aware_utc():
    assert from_db("2026-11-25 23:10:00.000000") == datetime(2026, 11, 25, 23, 10, tzinfo=UTC)
    assert from_db(datetime(2026, 11, 25, 23, 10)) == datetime(2026, 11, 25, 23, 10, tzinfo=UTC)
    assert from_db(None) is None


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(aware, min_size=1, max_size=4), now=aware)
def test_comparisons_agree_with_sqlalchemy(ctx, stored, now):
    """Rows written either way, compared either way, give the same answer."""
    with ctx.db.write() as conn:
        conn.execute(audit_log.delete())
        for n, moment in enumerate(stored):
            if n % 2:
                APPEND.execute(conn, {"at": moment})
            else:
                conn.execute(insert(audit_log).values(at=moment, event="driver-test"))
        through_driver = [(row[0], from_db(row[1]))
                          for row in LATER_THAN.execute(conn, {"now": now}).fetchall()]
        through_sqlalchemy = conn.execute(
            select(audit_log.c.id, audit_log.c.at).where(audit_log.c.at > now)
            .order_by(audit_log.c.id)).all()
    assert through_driver == [tuple(row) for row in through_sqlalchemy]
    # Microseconds survive both ways: a comparison at the stored instant is strict.
    assert sorted(at for _id, at in through_driver) == sorted(m for m in stored if m > now)


def test_a_missing_parameter_is_an_error_not_a_null(ctx):
    with ctx.db.write() as conn, pytest.raises(Exception, match="now"):
        LATER_THAN.execute(conn, {})  # each driver has its own error class
