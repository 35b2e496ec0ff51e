"""総合振込 and 給与・賞与振込 on the site: a file or screen lines → draft → step-up →
booked once, all or nothing (on both databases)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetime.banking.domain import zengin
from onetime.banking.domain.errors import (
    AlreadyBooked,
    BatchFileTooLarge,
    CodeRejected,
    InsufficientBalance,
    InvalidBatchLine,
    OperationNotPermitted,
    WrongConfirmationPassword,
)
from onetime.banking.domain.rights import Rights
from onetime.banking.domain.zengin import DepositType, Header, Kind, Transfer, ZenginFile
from onetime.banking.domain.zengin.layout import HEADER, data_layout
from onetime.banking.service.bulk import MAX_UPLOAD, BulkDraft
from onetime.domain.values import Operation
from tests.banking.world import PASSWORDS, activate, code, wrong

MIZUHO = ("0001", "001")  # another bank: 440 under 30 000 yen, else 660
START = (5_000_000, 1_200_000)


def header(world, kind=Kind.PAYROLL, account=None):
    source = world.site.bulk.accounts(world.master)[0]
    return Header(kind=kind, requester_code="0001000001", requester_name="ﾃﾞﾓｼﾖｳｼﾞ(ｶ",
                  transfer_date="1126", bank_code=source.bank_code,
                  branch_code=source.branch_code, deposit_type=DepositType.ORDINARY,
                  account_number=account or source.account_number)


def payroll(world, amounts, *, kind=Kind.PAYROLL, account=None, deposit=DepositType.ORDINARY):
    transfers = tuple(Transfer(*MIZUHO, deposit, f"{i + 1:07d}", "ﾀﾅｶ ｲﾁﾛｳ", amount)
                      for i, amount in enumerate(amounts))
    return zengin.render(ZenginFile(header(world, kind, account), transfers))


def balances(world):
    return tuple(a.balance for a in world.site.bulk.accounts(world.master))


def execute(world, draft, secret, clock, *, right=True, password=None):
    typed = code(secret, clock) if right else wrong(code(secret, clock))
    return world.site.bulk.execute(world.institution, world.master, world.contract, draft,
                                   password or world.confirmation(world.master), typed)


def audit(world):
    with world.site.ctx.db.read() as conn:
        entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0, limit=500)
    return [(e.event, e.operation, e.result) for e in entries]


class TestFile:
    def test_a_valid_payroll_file_is_booked_once(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.master,
                                             payroll(world, [200_000, 10_000, 350_000]))
        assert (draft.count, draft.total, draft.fees) == (3, 560_000, 660 + 440 + 660)
        assert draft.kind is Kind.PAYROLL
        assert draft.value_date == date(2026, 11, 26)
        assert not draft.date_differs  # 取組日 1126 is the value date
        assert balances(world) == START  # a draft books nothing
        receipt = execute(world, draft, secret, clock)
        assert (receipt.lines, receipt.total, receipt.fees) == (3, 560_000, 1_760)
        assert balances(world) == (START[0] - 561_760, START[1])
        clock.advance(60)
        with pytest.raises(AlreadyBooked):  # the second 実行: told, not booked again
            execute(world, draft, secret, clock)
        assert balances(world) == (START[0] - 561_760, START[1])
        events = audit(world)
        assert ("bulk_prepared", "payroll_transfer", "accepted") in events
        assert ("code_verified", "payroll_transfer", "accepted") in events
        assert ("batch_booked", "payroll_transfer", "accepted") in events

    def test_a_bulk_file_uses_the_bulk_operation(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.master,
                                             payroll(world, [1_000], kind=Kind.BULK))
        assert draft.operation.value == "bulk_transfer"
        execute(world, draft, secret, clock)
        assert ("batch_booked", "bulk_transfer", "accepted") in audit(world)

    def test_a_broken_file_reports_every_error_and_books_nothing(self, world, clock):
        data = bytearray(payroll(world, [1_000, 2_000, 3_000]))
        layout = data_layout(Kind.PAYROLL, edi=False)
        amount = next(f for f in layout if f.name == "amount")
        bank = next(f for f in layout if f.name == "bank_code")
        # Records are 120 bytes and CR LF: line 2 starts at 122, line 4 at 366.
        data[122 + amount.offset] = ord("X")
        data[366 + bank.offset:366 + bank.end] = b"9999"
        with pytest.raises(zengin.ZenginFileInvalid) as raised:
            world.site.bulk.prepare_file(world.institution, world.master, bytes(data))
        found = {(p.line, p.field, p.offset, p.code) for p in raised.value.problems}
        assert (2, "amount", 122 + amount.offset, "not_numeric") in found
        assert (4, "bank_code", 366 + bank.offset, "unknown_bank") in found
        assert balances(world) == START
        assert ("bulk_file_refused", None, "rejected") in audit(world)

    def test_a_paying_account_not_the_contracts_is_line_1(self, world):
        data = payroll(world, [1_000], account="7777777")
        with pytest.raises(zengin.ZenginFileInvalid) as raised:
            world.site.bulk.prepare_file(world.institution, world.master, data)
        spot = next(f for f in HEADER if f.name == "account_number")
        assert [(p.line, p.record, p.field, p.offset) for p in raised.value.problems] == [
            (1, "header", "account_number", spot.offset)]

    def test_savings_accounts_are_refused_by_line(self, world):
        data = payroll(world, [1_000, 2_000], deposit=DepositType.SAVINGS)
        with pytest.raises(zengin.ZenginFileInvalid) as raised:
            world.site.bulk.prepare_file(world.institution, world.master, data)
        spot = next(f for f in data_layout(Kind.PAYROLL, edi=False)
                    if f.name == "deposit_type")
        assert [(p.line, p.field, p.offset) for p in raised.value.problems] == [
            (2, "deposit_type", 122 + spot.offset), (3, "deposit_type", 244 + spot.offset)]

    def test_more_than_the_balance_is_refused(self, world):
        with pytest.raises(InsufficientBalance):
            world.site.bulk.prepare_file(world.institution, world.master,
                                         payroll(world, [4_000_000, 1_000_000]))

    def test_a_file_too_large_is_refused_unread(self, world):
        with pytest.raises(BatchFileTooLarge):
            world.site.bulk.prepare_file(world.institution, world.master,
                                         b" " * (MAX_UPLOAD + 1))

    def test_the_files_date_is_shown_but_the_value_date_books(self, world, clock):
        data = payroll(world, [1_000]).replace(b"1126", b"1201", 1)
        draft = world.site.bulk.prepare_file(world.institution, world.master, data)
        assert draft.transfer_date == "1201"
        assert draft.date_differs
        secret = activate(world, world.master, clock)
        assert execute(world, draft, secret, clock).value_date == date(2026, 11, 26)


class TestStepUp:
    def test_a_wrong_code_books_nothing_and_the_draft_stays_good(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.master,
                                             payroll(world, [10_000]))
        with pytest.raises(CodeRejected):
            execute(world, draft, secret, clock, right=False)
        assert balances(world) == START
        clock.advance(60)
        execute(world, draft, secret, clock)
        assert balances(world) == (START[0] - 10_440, START[1])

    def test_a_wrong_confirmation_password_books_nothing(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.master,
                                             payroll(world, [10_000]))
        with pytest.raises(WrongConfirmationPassword):
            execute(world, draft, secret, clock, password="Not-the-one1")
        assert balances(world) == START


def rows(*lines):
    keys = ("bank_code", "branch_code", "account_type", "account_number", "holder_name",
            "amount")
    return [dict(zip(keys, line, strict=True)) for line in lines]


def entered(world, *lines, kind="11"):
    source = world.site.bulk.accounts(world.master)[0]
    return world.site.bulk.prepare_lines(world.institution, world.master, kind=kind,
                                         from_account_id=source.id, rows=rows(*lines))


BLANK = ("", "", "ordinary", "", "", "")  # the type is a select: never blank


class TestScreen:
    def test_lines_typed_on_screen_skip_blank_rows(self, world):
        draft = entered(world, ("0001", "001", "ordinary", "1234567", "ヤマダ タロウ", "1,000"),
                        BLANK, ("2101", "001", "ordinary", "7654321", "ｽｽﾞｷ", "2000"))
        assert (draft.count, draft.total, draft.fees) == (2, 3_000, 440)
        assert draft.lines[0].holder_name == "ﾔﾏﾀﾞ ﾀﾛｳ"  # the 全銀 set, as a file holds it
        assert draft.lines[0].bank_name == "みずほ"

    @pytest.mark.parametrize(("bad", "cause"), [
        (("0001", "001", "ordinary", "1234567", "ﾀﾅｶ", "10000000000"), "amount_over_limit"),
        (("0001", "998", "ordinary", "1234567", "ﾀﾅｶ", "1000"), "unknown_branch"),
        (("0001", "001", "ordinary", "12345678", "ﾀﾅｶ", "1000"), "invalid_account_number"),
        (("0001", "001", "ordinary", "1234567", "山田", "1000"), "invalid_holder_name"),
    ])
    def test_a_bad_line_is_named_by_its_number(self, world, bad, cause):
        with pytest.raises(InvalidBatchLine) as raised:
            entered(world, ("0001", "001", "ordinary", "1234567", "ﾀﾅｶ", "1000"), bad)
        assert (raised.value.line, raised.value.cause_code) == (2, cause)
        assert balances(world) == START

    def test_the_entered_batch_downloads_as_a_file_that_uploads_again(self, world):
        draft = entered(world, ("0001", "001", "current", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ", "1000"),
                        ("2101", "001", "ordinary", "7654321", "ｽｽﾞｷ ﾊﾅｺ", "2500"), kind="12")
        data = world.site.bulk.download(world.master, world.contract, draft)
        assert len(data) == 5 * 122  # header, two lines, trailer, end
        again = world.site.bulk.prepare_file(world.institution, world.master, data)
        assert (again.kind, again.lines, again.fees) == (Kind.BONUS, draft.lines, draft.fees)
        assert again.transfer_date == draft.value_date.strftime("%m%d")

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(amounts=st.lists(st.integers(1, 400_000), min_size=1, max_size=8))
    def test_the_draft_survives_the_session_and_the_file(self, world, amounts):
        draft = world.site.bulk.prepare_file(world.institution, world.master,
                                             payroll(world, amounts, kind=Kind.BULK))
        assert BulkDraft.from_dict(draft.to_dict()) == draft
        assert draft.total == sum(amounts)
        assert draft.fees == sum(440 if a < 30_000 else 660 for a in amounts)


class TestDoubleSubmit:
    def test_two_executions_at_once_book_once(self, world, clock):
        secret = activate(world, world.master, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.master,
                                             payroll(world, [10_000, 20_000]))
        typed = code(secret, clock)
        outcomes, barrier = [], threading.Barrier(2)

        def press():
            barrier.wait(timeout=10)
            try:
                outcomes.append(world.site.bulk.execute(
                    world.institution, world.master, world.contract, draft,
                    world.confirmation(world.master), typed))
            except (AlreadyBooked, CodeRejected) as exc:  # the code is single use too
                outcomes.append(exc)

        threads = [threading.Thread(target=press) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        booked = [o for o in outcomes if not isinstance(o, Exception)]
        assert len(outcomes) == 2
        assert len(booked) == 1
        assert balances(world) == (START[0] - 30_000 - 880, START[1])


def only_rights(world, user, *operations):
    """利用者情報変更 as stored: `user` keeps only `operations` (a manager's change)."""
    granted = Rights(user.role, frozenset(operations), False, None, None)
    with world.site.ctx.db.write() as conn:
        world.site.ctx.people.change_user(conn, user.id, user.name, granted)
    return world.site.users.authenticate(world.institution, user.login_id,
                                         PASSWORDS[user.login_id][0])


class TestRights:
    """利用権限: a user without the right to 総合振込 or 給与・賞与振込 books neither."""

    def test_a_user_without_the_payroll_right_is_refused_the_file(self, world):
        general = only_rights(world, world.general, Operation.TRANSFER)
        with pytest.raises(OperationNotPermitted):
            world.site.bulk.prepare_file(world.institution, general, payroll(world, [1_000]))
        with pytest.raises(OperationNotPermitted):
            world.site.bulk.prepare_lines(
                world.institution, general, kind="21",
                from_account_id=world.site.bulk.accounts(general)[0].id,
                rows=[{"bank_code": "0001", "branch_code": "001", "account_type": "ordinary",
                       "account_number": "1234567", "holder_name": "ﾀﾅｶ", "amount": "1000"}])

    def test_rights_taken_away_after_the_draft_book_nothing(self, world, clock):
        secret = activate(world, world.general, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.general,
                                             payroll(world, [1_000]))
        general = only_rights(world, world.general, Operation.BULK_TRANSFER)
        with pytest.raises(OperationNotPermitted):
            world.site.bulk.execute(world.institution, general, world.contract, draft,
                                    world.confirmation(general), code(secret, clock))
        assert balances(world) == START
        assert ("code_verified", "payroll_transfer", "accepted") not in audit(world)
