"""The audit repository: entries written unsealed, read back in pages, sealed in order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect

from onetime.storage.audit import AuditRepository


def write(ctx, institution_id, event, at, **fields):
    with ctx.db.write() as conn:
        ctx.audit.append(conn, at=at, institution_id=institution_id, event=event, **fields)


class TestAppendAndPage:
    def test_an_entry_reads_back_with_every_field(self, ctx, institution, clock):
        """who, what, when, where and the detail (JSON, Japanese kept) survive the trip."""
        write(ctx, institution.id, "token_released", clock.now(), user_id="taro",
              actor="user:master", operation="user_management", result="accepted",
              source_ip="203.0.113.7", detail={"reason": "携帯電話の機種変更"})
        with ctx.db.read() as conn:
            (entry,) = ctx.audit.page(conn, institution.id, after_id=0, limit=10,
                                      event="token_released")
        assert (entry.at, entry.event, entry.user_id, entry.actor, entry.operation,
                entry.result, entry.source_ip, entry.detail) == (
            clock.now(), "token_released", "taro", "user:master", "user_management",
            "accepted", "203.0.113.7", {"reason": "携帯電話の機種変更"})
        assert (entry.seal_seq, entry.seal_hash) == (None, None)

    def test_pages_filter_by_user_event_and_time(self, ctx, institution, clock):
        """since is inclusive, until exclusive; oldest first; another bank's entries never."""
        start = clock.now()
        for minute, user, event in [(0, "taro", "a"), (1, "hanako", "a"), (2, "taro", "b"),
                                    (3, "taro", "a")]:
            write(ctx, institution.id, event, start + timedelta(minutes=minute), user_id=user)
        write(ctx, institution.id + 1, "a", start, user_id="taro")
        with ctx.db.read() as conn:
            def page(**filters):
                return [(e.user_id, e.event, int((e.at - start).total_seconds() // 60))
                        for e in ctx.audit.page(conn, institution.id, after_id=0, limit=100,
                                                **filters)]
            assert page(user_id="taro") == [("taro", "a", 0), ("taro", "b", 2),
                                            ("taro", "a", 3)]
            assert page(event="a", user_id="taro") == [("taro", "a", 0), ("taro", "a", 3)]
            assert page(since=start + timedelta(minutes=1),
                        until=start + timedelta(minutes=3)) == [("hanako", "a", 1),
                                                                ("taro", "b", 2)]

    def test_pages_continue_after_the_last_id(self, ctx, institution, clock):
        """A cursor is the last id seen; limit caps a page."""
        for n in range(5):
            write(ctx, institution.id, f"e{n}", clock.now())
        with ctx.db.read() as conn:
            first = ctx.audit.page(conn, institution.id, after_id=0, limit=2)
            rest = ctx.audit.page(conn, institution.id, after_id=first[-1].id, limit=100)
        assert [e.event for e in first + rest] == ["e0", "e1", "e2", "e3", "e4"]


class TestSealing:
    def test_unsealed_entries_are_counted_and_listed_in_id_order(self, ctx, institution, clock):
        """The fixture's institution_added plus three more are waiting to be sealed."""
        for n in range(3):
            write(ctx, institution.id, f"e{n}", clock.now())
        with ctx.db.read() as conn:
            assert ctx.audit.count_unsealed(conn) == 4
            assert [e.event for e in ctx.audit.unsealed(conn, 10)] == \
                ["institution_added", "e0", "e1", "e2"]

    def test_a_sealed_entry_cannot_be_sealed_twice(self, ctx, institution):
        """seal() only touches an unsealed row; the chain head is the highest seq."""
        repo = AuditRepository()
        with ctx.db.write() as conn:
            (entry,) = repo.unsealed(conn, 10)
            assert repo.try_lock_sealer(conn)
            repo.seal(conn, entry.id, 1, b"\x01" * 32)
            repo.seal(conn, entry.id, 2, b"\x02" * 32)
            assert repo.chain_head(conn) == (1, b"\x01" * 32)
            assert repo.count_unsealed(conn) == 0
            assert [e.id for e in repo.sealed_in_order(conn)] == [entry.id]

    def test_the_sealer_reads_exactly_the_bytes_each_entry_is_sealed_over(
            self, ctx, institution, clock):
        """unsealed_canonical() is canonical() of each unsealed entry, oldest first."""
        details = [None, {"drift": -1}, {"drift": -1}, {"reason": "携帯電話の機種変更"},
                   {"nested": {"b": [1, None, "x"], "a": True}}]
        for n, detail in enumerate(details):
            write(ctx, institution.id, f"e{n}", clock.now(), user_id="taro",
                  source_ip="203.0.113.7", detail=detail)
        with ctx.db.read() as conn:
            expected = [(e.id, e.canonical()) for e in ctx.audit.unsealed(conn, 10)]
            assert len(expected) == 6
            assert ctx.audit.unsealed_canonical(conn, 10) == expected
            assert ctx.audit.unsealed_canonical(conn, 2) == expected[:2]

    def test_a_batch_of_seals_is_stored_and_sealed_entries_are_left_alone(
            self, ctx, institution, clock):
        """seal_many() sets every seal given, but never re-seals an entry."""
        for n in range(3):
            write(ctx, institution.id, f"e{n}", clock.now())
        repo = AuditRepository()
        with ctx.db.write() as conn:
            entries = repo.unsealed(conn, 10)
            repo.seal_many(conn, [(entries[0].id, 1, b"\x01" * 32)])
            repo.seal_many(conn, [(e.id, seq, bytes([seq]) * 32)
                                  for seq, e in enumerate(entries, start=7)])
            assert [(e.id, e.seal_seq, e.seal_hash) for e in repo.sealed_in_order(conn)] == \
                [(entries[0].id, 1, b"\x01" * 32)] + [(e.id, seq, bytes([seq]) * 32)
                                                      for seq, e in enumerate(entries[1:], 8)]
            assert repo.count_unsealed(conn) == 0

    def test_the_oldest_unsealed_entries_are_found_by_an_index_without_a_sort(self, ctx):
        """The sealer's query needs no sort, and on SQLite no index of its own.

        SQLite keeps the rowid (our id) in every index, so the unique `seal_seq` index
        already lists the unsealed entries (NULL) in id order; a second index on
        (seal_seq, id) would only cost every verification one more page to write.
        PostgreSQL's index entries carry no such order: it keeps (seal_seq, id).
        """
        with ctx.db.read() as conn:
            indexes = {ix["name"] for ix in inspect(conn).get_indexes("audit_log")}
            if conn.dialect.name == "sqlite":
                assert "ix_audit_log_unsealed" not in indexes
                plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT id FROM audit_log WHERE seal_seq IS NULL "
                    "ORDER BY id LIMIT 10"))
                assert "INDEX sqlite_autoindex" in plan, plan
                assert "TEMP B-TREE" not in plan, plan
            else:
                assert "ix_audit_log_unsealed" in indexes
