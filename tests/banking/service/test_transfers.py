"""振込・振替: step-up, then one journal entry moves the balances (amount and fee), never
below zero."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from onetime.banking.domain.errors import (
    CodeRejected,
    InsufficientBalance,
    OtpSuspended,
    SameAccount,
    TransferExpired,
    UnknownBank,
    UnknownBranch,
    WrongConfirmationPassword,
)
from onetime.banking.domain.ledger import Booking, JournalKind, Posting
from onetime.banking.domain.transfers import AccountType
from onetime.banking.storage.ledger import CUSTOMER
from tests.banking.world import activate, code, suspend, wrong

# The demo table's fees to another bank (banking/domain/fees.py's DEFAULT_FEES).
OTHER_BANK_SMALL, OTHER_BANK_LARGE = 440, 660


def draft(world, user, **overrides):
    accounts = world.site.transfers.accounts(user)
    fields = {"from_account_id": accounts[0].id, "bank_code": "0001", "branch_code": "001",
              "account_type": "ordinary", "account_number": "1234567",
              "holder_name": "ﾔﾏﾀﾞ ﾀﾛｳ", "amount": "12,345"}
    fields.update(overrides)
    return world.site.transfers.prepare(world.institution, user, **fields)


def balances(world, user):
    return [a.balance for a in world.site.transfers.accounts(user)]


def execute(world, user, d, secret, clock, *, password=None, right=True):
    typed = code(secret, clock) if right else wrong(code(secret, clock))
    return world.site.transfers.execute(world.institution, user, world.contract, d,
                                        password or world.confirmation(user), typed)


class TestTransfer:
    def test_a_transfer_to_another_bank_credits_the_clearing_account(self, world, clock):
        secret = activate(world, world.master, clock)
        d = draft(world, world.master)
        assert (d.destination.bank_name, d.destination.branch_name) == ("みずほ", "東京営業部")
        assert d.fee == OTHER_BANK_SMALL
        receipt = execute(world, world.master, d, secret, clock)
        assert receipt.balance_after == 5_000_000 - 12_345 - OTHER_BANK_SMALL
        assert balances(world, world.master) == [4_987_655 - OTHER_BANK_SMALL, 1_200_000]
        with world.site.ctx.db.read() as conn:
            clearing = world.site.transfers.ledger.clearing(conn, world.institution.id)
            income = world.site.transfers.ledger.fee_income(conn, world.institution.id)
        assert clearing.balance == 12_345
        assert income.balance == OTHER_BANK_SMALL

    def test_furikae_between_own_accounts_moves_both(self, world, clock):
        secret = activate(world, world.master, clock)
        current = world.site.transfers.accounts(world.master)[1]
        d = draft(world, world.master, bank_code="2101", branch_code="001",
                  account_type="current", account_number=current.account_number,
                  amount="200000")
        execute(world, world.master, d, secret, clock)
        assert balances(world, world.master) == [4_800_000, 1_400_000]

    def test_transfer_and_verification_are_audited(self, world, clock):
        secret = activate(world, world.master, clock)
        execute(world, world.master, draft(world, world.master), secret, clock)
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=100)
        events = [(e.event, e.operation, e.result) for e in entries]
        assert ("code_verified", "transfer", "accepted") in events
        assert ("transfer_executed", "transfer", "accepted") in events

    def test_a_wrong_code_moves_nothing_and_counts(self, world, clock):
        secret = activate(world, world.master, clock)
        with pytest.raises(CodeRejected) as raised:
            execute(world, world.master, draft(world, world.master), secret, clock, right=False)
        assert raised.value.attempts_left == 9
        assert balances(world, world.master) == [5_000_000, 1_200_000]

    def test_a_wrong_confirmation_password_uses_no_code(self, world, clock):
        secret = activate(world, world.master, clock)
        d = draft(world, world.master)
        with pytest.raises(WrongConfirmationPassword):
            execute(world, world.master, d, secret, clock, password="Wrong-conf1")
        execute(world, world.master, d, secret, clock)  # the same code still works

    def test_a_suspended_user_cannot_transfer(self, world, clock):
        secret = activate(world, world.master, clock)
        suspend(world, world.master, secret, clock)
        with pytest.raises(OtpSuspended):
            execute(world, world.master, draft(world, world.master), secret, clock)

    def test_the_same_confirmation_screen_executes_once(self, world, clock):
        secret = activate(world, world.master, clock)
        d = draft(world, world.master)
        execute(world, world.master, d, secret, clock)
        clock.advance(60)
        with pytest.raises(TransferExpired):
            execute(world, world.master, d, secret, clock)
        assert balances(world, world.master)[0] == 5_000_000 - 12_345 - OTHER_BANK_SMALL

    def test_a_short_balance_is_refused_before_any_code_is_used(self, world, clock):
        secret = activate(world, world.master, clock)
        with pytest.raises(InsufficientBalance):
            draft(world, world.master, amount="5000001")
        with pytest.raises(InsufficientBalance):  # the amount is covered, with the fee not
            draft(world, world.master, amount=str(5_000_000 - OTHER_BANK_LARGE + 1))
        pending = draft(world, world.master, amount="1000000")  # prepared while covered
        execute(world, world.master, draft(world, world.master, amount="4500000"), secret, clock)
        clock.advance(60)
        with pytest.raises(InsufficientBalance):
            execute(world, world.master, pending, secret, clock)
        token = world.site.tokens.get_token(world.institution, world.master.user_id)
        assert token.attempts_left == 10  # nothing counted...
        execute(world, world.master, draft(world, world.master, amount="1000"), secret, clock)
        # ...and this step's code unused
        assert balances(world, world.master)[0] == \
            499_000 - OTHER_BANK_LARGE - OTHER_BANK_SMALL

    def test_password_only_when_the_policy_leaves_transfers_out(self, world, clock):
        world.services.institutions.configure(world.institution.service_id,
                                              otp_operations=["token_management"])
        institution = world.services.institutions.get(world.institution.service_id,
                                                       fresh=True)
        assert not world.site.transfers.requirement(institution, world.contract).code
        d = draft(world, world.master)
        world.site.transfers.execute(institution, world.master, world.contract, d,
                                     world.confirmation(world.master), None)

    def test_destinations_are_checked_against_the_zengin_list(self, world):
        with pytest.raises(UnknownBank):
            draft(world, world.master, bank_code="0002")
        with pytest.raises(UnknownBranch):
            draft(world, world.master, branch_code="998")

    def test_the_paying_account_itself_is_refused(self, world):
        source = world.site.transfers.accounts(world.master)[0]
        with pytest.raises(SameAccount):
            draft(world, world.master, bank_code="2101", branch_code="001",
                  account_number=source.account_number)


def test_concurrent_debits_never_go_below_zero(world):
    """Ten transfers of 300 from 1,000 at once: exactly three pass, the balance is 100."""
    ctx, ledger = world.site.ctx, world.site.transfers.ledger
    with ctx.db.write() as conn:
        source = ledger.add_account(conn, institution_id=world.institution.id,
                                    contract_id=world.contract.id, kind=CUSTOMER,
                                    bank_code="2101", branch_code="002",
                                    account_type=AccountType.ORDINARY, account_number="0000777",
                                    holder_name="テスト", balance=1_000, now=ctx.clock.now())
        target = ledger.clearing(conn, world.institution.id).id
    results: list[bool] = []
    barrier = threading.Barrier(10)

    def move(n: int):
        barrier.wait()
        booking = Booking(JournalKind.TRANSFER, f"race-{n}", date(2026, 11, 26), "test",
                          (Posting(source, -300), Posting(target, 300)))
        try:
            with ctx.db.write() as conn:
                ledger.book(conn, world.institution.id, booking, ctx.clock.now())
            results.append(True)
        except InsufficientBalance:
            results.append(False)

    threads = [threading.Thread(target=move, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with ctx.db.read() as conn:
        assert ledger.account(conn, source).balance == 100
        assert ledger.account(conn, target).balance == 900
        assert ledger.unbalanced_journals(conn) == []
        # The refused ones left no journal row behind: all or nothing.
        assert [ledger.journal_id(conn, world.institution.id, f"race-{n}") is not None
                for n in range(10)].count(True) == 3
    assert sorted(results) == [False] * 7 + [True] * 3
