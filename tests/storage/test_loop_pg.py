"""The event loop's bare PostgreSQL connections (storage/loop_pg.py), for `Database.call`.

PostgreSQL only: SQLite's `call` runs its use cases inline and in batches
(tests/storage/test_batches.py).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, text

from bench.loader import load_active_tokens
from onetime.otp.totp import step_at
from onetime.storage.driver import DirectConnection
from onetime.storage.loop_pg import LoopConnections

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_url", ["postgresql"],
                                                            indirect=True)]


def _terminate_all(url: str) -> int:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        admin.dispose()


def test_the_token_read_on_a_bare_connection_is_the_engines(ctx, services, institution):
    """Same row, same types: the engine's connect arguments (its type adapters) are used."""
    loaded = load_active_tokens(ctx, institution, 1)

    async def both():
        lent = LoopConnections(ctx.db.engine, 1, ping_after=60)
        direct = await lent.acquire()
        try:
            return await asyncio.to_thread(_through_engine), \
                await _in_greenlet(ctx.tokens.get, direct, institution.id, loaded.user_id(0))
        finally:
            lent.release(direct)
            await lent.close()

    def _through_engine():
        with ctx.db.read() as conn:
            return ctx.tokens.get(conn, institution.id, loaded.user_id(0))

    engine_token, direct_token = asyncio.run(both())
    assert direct_token == engine_token
    assert isinstance(direct_token.secret_blob, bytes)


async def _in_greenlet(fn, *args):
    from sqlalchemy.util.concurrency import greenlet_spawn
    return await greenlet_spawn(fn, *args)


def test_verifications_go_through_the_bare_connections(ctx, services, institution):
    """Database.call's read_then_write lends a DirectConnection; the code is accepted once."""
    loaded = load_active_tokens(ctx, institution, 1)
    code = loaded.code(0, step_at(ctx.clock.now().timestamp(), 60))
    seen = []
    original = ctx.tokens.get

    def spy(conn, *args):
        seen.append(type(conn))
        return original(conn, *args)

    ctx.tokens.get = spy

    async def twice():
        try:
            return [(await ctx.db.call(services.tokens.verify, institution, loaded.user_id(0),
                                       code, "transfer")).result.value for _ in range(2)]
        finally:
            await ctx.db.dispose_loop_connections()

    assert asyncio.run(twice()) == ["accepted", "rejected"]
    assert seen == [DirectConnection, DirectConnection]


def test_a_dead_idle_connection_is_replaced_before_it_is_used(ctx, services, institution):
    """A database restart while the connection sat idle costs no answer (no 503)."""
    loaded = load_active_tokens(ctx, institution, 2)
    step = step_at(ctx.clock.now().timestamp(), 60)

    async def across_a_restart():
        try:
            first = await ctx.db.call(services.tokens.verify, institution, loaded.user_id(0),
                                      loaded.code(0, step), "transfer")
            assert await asyncio.to_thread(_terminate_all, ctx.db.url) >= 1
            await asyncio.sleep(1.2)  # idle past IDLE_PING_SECONDS
            second = await ctx.db.call(services.tokens.verify, institution,
                                       loaded.user_id(1), loaded.code(1, step), "transfer")
            return first.result.value, second.result.value
        finally:
            await ctx.db.dispose_loop_connections()

    assert asyncio.run(across_a_restart()) == ("accepted", "accepted")


def test_a_connection_given_back_inside_a_transaction_is_closed(ctx):
    async def run():
        lent = LoopConnections(ctx.db.engine, 2, ping_after=60)
        first = await lent.acquire()
        await first.raw.execute("BEGIN")  # a use case that failed half-way
        lent.release(first)
        await asyncio.sleep(0)  # the close is scheduled on the loop
        second = await lent.acquire()
        try:
            return first.raw.closed, second.raw is first.raw, lent.in_use
        finally:
            lent.release(second)
            await lent.close()

    closed, same, in_use = asyncio.run(run())
    assert closed
    assert not same
    assert in_use == 1


def test_callers_beyond_the_size_wait_their_turn(ctx):
    """Size 2, eight callers at once: all served, never more than two connections made."""
    async def run():
        lent = LoopConnections(ctx.db.engine, 2, ping_after=60)
        raws, most = set(), 0

        async def use():
            nonlocal most
            direct = await lent.acquire()
            most = max(most, lent.in_use)
            raws.add(id(direct.raw))
            await direct.raw.execute("SELECT pg_sleep(0.01)")
            lent.release(direct)

        await asyncio.wait_for(asyncio.gather(*(use() for _ in range(8))), 10)
        await lent.close()
        return len(raws), most

    assert asyncio.run(run()) == (2, 2)


def test_a_cancelled_waiter_passes_its_turn_on(ctx):
    async def run():
        lent = LoopConnections(ctx.db.engine, 1, ping_after=60)
        held = await lent.acquire()
        cancelled = asyncio.create_task(lent.acquire())
        after = asyncio.create_task(lent.acquire())
        await asyncio.sleep(0.01)
        lent.release(held)  # wakes `cancelled` first …
        cancelled.cancel()  # … which is cancelled before it runs
        direct = await asyncio.wait_for(after, 5)
        lent.release(direct)
        await lent.close()
        return cancelled.cancelled()

    assert asyncio.run(run())
