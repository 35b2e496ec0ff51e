"""ペイジー: 収納機関番号 → the bill → step-up → one journal entry (the customer's account to
the biller's), and a bill is paid once — also when two payments race (both databases)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from onetime.banking.domain.errors import (
    BillAlreadyPaid,
    BillNotFound,
    CodeRejected,
    InsufficientBalance,
    InvalidBillerFile,
    InvalidCustomerNumber,
    InvalidPaymentClass,
    OperationNotPermitted,
    UnknownBiller,
    WrongConfirmationPassword,
)
from onetime.banking.domain.ledger import JournalKind
from onetime.banking.storage.schema import accounts, bills, journal
from onetime.domain.values import Operation
from tests.banking.service.test_bulk import only_rights
from tests.banking.world import activate, code, wrong

TAX = {"biller_number": "11111", "customer_number": "1000000000000001",
       "confirmation_number": "123456", "payment_class": "101"}
CARD = {"biller_number": "33333", "customer_number": "300000000001",
        "confirmation_number": "3456"}


def prepare(world, user, bill=None, **overrides):
    fields = {"from_account_id": world.site.payeasy.accounts(user)[0].id, **(bill or TAX),
              **overrides}
    return world.site.payeasy.prepare(world.institution, user, **fields)


def pay(world, user, draft, secret, clock, *, right=True, password=None):
    typed = code(secret, clock) if right else wrong(code(secret, clock))
    return world.site.payeasy.execute(world.institution, user, world.contract, draft,
                                      password or world.confirmation(user), typed)


def balance(world, account_id: int) -> int:
    with world.site.ctx.db.read() as conn:
        return conn.execute(select(accounts.c.balance).where(accounts.c.id == account_id)
                            ).scalar_one()


def biller_account(world, number: str) -> int:
    with world.site.ctx.db.read() as conn:
        return world.site.ctx.payeasy.biller(conn, world.institution.id, number).account_id


def events(world):
    with world.site.ctx.db.read() as conn:
        entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0, limit=500)
    return [(e.event, e.operation, e.result) for e in entries]


def journal_count(world) -> int:
    with world.site.ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(journal)).scalar_one()


class TestPrepare:
    def test_the_biller_and_the_bill_are_shown(self, world):
        biller = world.site.payeasy.biller(world.institution, world.master, "１１１１１")
        assert (biller.name, biller.kind.value) == ("水戸市 市県民税", "tax")
        draft = prepare(world, world.master, customer_number="1000 0000 0000 0001")
        assert (draft.biller_name, draft.amount, draft.payment_class) == (
            "水戸市 市県民税", 45_000, "101")
        assert ("payeasy_biller", "payeasy", "accepted") in events(world)
        assert ("payeasy_bill", "payeasy", "accepted") in events(world)

    def test_an_unknown_biller(self, world):
        with pytest.raises(UnknownBiller):
            world.site.payeasy.biller(world.institution, world.master, "99999")
        assert ("payeasy_biller", "payeasy", "rejected") in events(world)

    @pytest.mark.parametrize(("change", "error"), [
        ({"confirmation_number": "654321"}, BillNotFound),
        ({"customer_number": "1000000000000099"}, BillNotFound),
        ({"payment_class": "102"}, BillNotFound),
        ({"payment_class": ""}, InvalidPaymentClass),
        ({"customer_number": "123"}, InvalidCustomerNumber),
    ])
    def test_wrong_numbers_are_refused_and_audited_without_them(self, world, change, error):
        with pytest.raises(error):
            prepare(world, world.master, **change)
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=500)
        refused = [e for e in entries if e.event == "payeasy_bill"]
        assert refused
        assert refused[-1].result == "rejected"
        assert "123456" not in str(refused[-1].detail)  # the 確認番号 is never audited

    def test_a_bill_above_the_balance(self, world):
        general = world.site.payeasy.accounts(world.general)
        # The current account holds 1 200 000; the card bill is 120 000: pay it ten times
        # over is impossible, so ask for a bill larger than a drained account instead.
        with world.site.ctx.db.write() as conn:
            conn.execute(accounts.update().where(accounts.c.id == general[1].id)
                         .values(balance=100))
        with pytest.raises(InsufficientBalance):
            prepare(world, world.general, CARD, from_account_id=general[1].id)


class TestPay:
    def test_a_payment_is_one_journal_entry_to_the_biller(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = prepare(world, world.master)
        source = draft.from_account_id
        before = journal_count(world)
        receipt = pay(world, world.master, draft, secret, clock)
        assert receipt.balance_after == 5_000_000 - 45_000
        assert balance(world, source) == 5_000_000 - 45_000
        assert balance(world, biller_account(world, "11111")) == 45_000
        assert journal_count(world) == before + 1
        with world.site.ctx.db.read() as conn:
            row = conn.execute(select(bills).where(bills.c.id == draft.bill_id)).one()
            entry = conn.execute(select(journal).where(journal.c.id == row.journal_id)).one()
            posted = world.site.ctx.ledger.postings_of(conn, row.journal_id)
        assert row.receipt_number == receipt.receipt_number
        assert receipt.receipt_number.endswith(f"{draft.bill_id:08d}")
        assert entry.kind == JournalKind.PAYEASY.value
        assert sorted(posted) == sorted([(source, -45_000),
                                         (biller_account(world, "11111"), 45_000)])
        assert ("payeasy_paid", "payeasy", "accepted") in events(world)
        assert ("code_verified", "payeasy", "accepted") in events(world)

    def test_a_paid_bill_cannot_be_paid_again(self, world, clock):
        secret = activate(world, world.master, clock)
        first = prepare(world, world.master)
        second = prepare(world, world.master)
        pay(world, world.master, first, secret, clock)
        clock.advance(60)
        with pytest.raises(BillAlreadyPaid):
            pay(world, world.master, second, secret, clock)
        with pytest.raises(BillAlreadyPaid):
            prepare(world, world.master)
        assert balance(world, first.from_account_id) == 5_000_000 - 45_000

    def test_a_wrong_code_or_password_books_nothing(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = prepare(world, world.master)
        before = journal_count(world)
        with pytest.raises(CodeRejected):
            pay(world, world.master, draft, secret, clock, right=False)
        with pytest.raises(WrongConfirmationPassword):
            pay(world, world.master, draft, secret, clock, password="wrong-pass")
        assert journal_count(world) == before
        assert balance(world, draft.from_account_id) == 5_000_000
        receipt = pay(world, world.master, draft, secret, clock)  # the bill is still open
        assert receipt.balance_after == 5_000_000 - 45_000

    def test_two_users_paying_the_same_bill_at_once_pay_it_once(self, world, clock):
        """Both pass the step-up, then race for the bill on their own connections."""
        secrets_ = {u.id: activate(world, u, clock) for u in (world.master, world.admin)}
        drafts = {u.id: prepare(world, u, CARD) for u in (world.master, world.admin)}
        typed = {u.id: code(secrets_[u.id], clock) for u in (world.master, world.admin)}
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def attempt(user) -> None:
            start.wait(timeout=30)
            try:
                world.site.payeasy.execute(world.institution, user, world.contract,
                                           drafts[user.id], world.confirmation(user),
                                           typed[user.id])
                outcomes.append("paid")
            except BillAlreadyPaid:
                outcomes.append("already_paid")

        threads = [threading.Thread(target=attempt, args=(u,))
                   for u in (world.master, world.admin)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["already_paid", "paid"]
        # Both users draw on the contract's first account: debited once.
        assert balance(world, drafts[world.master.id].from_account_id) == 5_000_000 - 120_000
        assert balance(world, biller_account(world, "33333")) == 120_000


class TestLoad:
    def test_a_file_with_a_bad_line_loads_nothing_and_names_every_line(self, world):
        text = ("biller,44444,新しい市,tax,8,2101,001,current,8000044,ｱﾀﾗｼｲｼ\n"
                "bill,44444,12345678,1,100,,7\n"
                "bill,44444,1234567,1,100,,7\n"  # 7 digits, the biller's are 8
                "bill,55555,12345678,1,100,,\n"  # no such biller
                "bill,11111,1000000000000001,1,100,,101\n")  # already loaded
        with pytest.raises(InvalidBillerFile) as caught:
            world.site.payeasy.load(world.institution, text)
        assert [(line, code_) for line, code_, _m in caught.value.problems] == [
            (3, "invalid_customer_number"), (4, "unknown_biller"), (5, "bill_already_paid")]
        with world.site.ctx.db.read() as conn:
            assert world.site.ctx.payeasy.biller(conn, world.institution.id, "44444") is None

    def test_a_good_file_adds_a_biller_and_its_settlement_account(self, world, clock):
        text = ("biller,44444,新しい市,tax,8,2101,001,current,8000044,ｱﾀﾗｼｲｼ\n"
                "bill,44444,12345678,1,100,,7\n")
        summary = world.site.payeasy.load(world.institution, text)
        assert (summary.billers, summary.bills) == (1, 1)
        secret = activate(world, world.master, clock)
        draft = prepare(world, world.master, {"biller_number": "44444",
                                              "customer_number": "12345678",
                                              "confirmation_number": "1",
                                              "payment_class": "7"})
        pay(world, world.master, draft, secret, clock)
        assert balance(world, biller_account(world, "44444")) == 100


class TestRights:
    """利用権限: a user without the right to ペイジー pays nothing."""

    def test_a_user_without_the_payeasy_right_is_refused(self, world, clock):
        secret = activate(world, world.general, clock)
        draft = prepare(world, world.general)
        general = only_rights(world, world.general, Operation.TRANSFER)
        with pytest.raises(OperationNotPermitted):
            prepare(world, general)
        with pytest.raises(OperationNotPermitted):
            pay(world, general, draft, secret, clock)
        assert ("payeasy_paid", "payeasy", "accepted") not in events(world)
        assert ("code_verified", "payeasy", "accepted") not in events(world)
