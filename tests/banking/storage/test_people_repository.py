"""PeopleRepository's 利用者管理 writes and TotalsRepository's day total, on both databases."""

from __future__ import annotations

from datetime import timedelta

from onetime.banking.domain.people import Role, StaffRole
from onetime.banking.domain.rights import Rights
from onetime.banking.domain.transfers import AccountType
from onetime.domain.values import Operation


class TestPeopleRepository:
    def test_rights_and_limits_round_trip(self, world):
        repo, db = world.site.ctx.people, world.site.ctx.db
        rights = Rights(Role.ADMIN, frozenset({Operation.PAYEASY, Operation.TRANSFER}), False,
                        1_000, 2_000)
        with db.write() as conn:
            assert repo.change_user(conn, world.general.id, "改名", rights)
        with db.read() as conn:
            user = repo.user(conn, world.institution.id, world.general.id)
        assert Rights.of(user) == rights
        assert user.name == "改名"

    def test_passwords_and_the_flag(self, world):
        repo, db = world.site.ctx.people, world.site.ctx.db
        with db.write() as conn:
            assert repo.set_passwords(conn, world.general.id, login_hash="x",
                                      confirmation_hash="y", must_change_password=True)
        with db.read() as conn:
            assert repo.user(conn, world.institution.id, world.general.id).must_change_password
            assert repo.confirmation_hash(conn, world.general.id) == "y"

    def test_delete_and_lookups(self, world):
        repo, db = world.site.ctx.people, world.site.ctx.db
        with db.write() as conn:
            assert repo.delete_user(conn, world.general.id)
            assert not repo.delete_user(conn, world.general.id)
        with db.read() as conn:
            assert repo.user(conn, world.institution.id, world.general.id) is None
            assert not repo.login_id_taken(conn, world.institution.id, "demo-general",
                                           "demo-general")
            assert repo.login_id_taken(conn, world.institution.id, "nobody", "demo-admin")
            assert repo.staff_id_taken(conn, world.institution.id, "branch01")
        assert world.staff.role == StaffRole.SUPERVISOR

    def test_the_total_since_a_moment(self, world, clock):
        ledger, db = world.site.ctx.ledger, world.site.ctx.db
        [source, target] = world.site.transfers.accounts(world.master)
        start = clock.now()
        with db.write() as conn:
            for n, amount in enumerate((100, 250, 4_000)):
                ledger.add_transfer(
                    conn, institution_id=world.institution.id, contract_id=world.contract.id,
                    site_user_id=world.master.id if n < 2 else world.admin.id,
                    request_id=f"req-{n}", from_account_id=source.id,
                    to_account_id=target.id, bank_code="2101", branch_code="001",
                    account_type=AccountType.CURRENT, account_number=target.account_number,
                    holder_name="デモ", amount=amount, fee=0,
                    value_date=(start + timedelta(minutes=n)).date(), journal_id=None,
                    now=start + timedelta(minutes=n))
        totals = world.site.ctx.totals
        with db.read() as conn:
            assert totals.transferred_since(conn, world.master.id, start) == 350
            assert totals.transferred_since(conn, world.master.id,
                                            start + timedelta(seconds=30)) == 250
            assert totals.transferred_since(conn, world.general.id, start) == 0
