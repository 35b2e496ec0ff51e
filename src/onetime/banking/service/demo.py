"""The demo world of `make run` (and of the browser tests): one contract with a master,
an admin and a general user, their accounts, the bank's clearing and fee income accounts
and its transfer fee table, Pay-easy billers and bills, one branch account. Idempotent:
running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from onetime.banking.domain.banks import Bank
from onetime.banking.domain.fees import DEFAULT_FEES
from onetime.banking.domain.people import Role, StaffRole
from onetime.banking.domain.transfers import AccountType
from onetime.banking.service.services import SiteServices
from onetime.banking.storage.ledger import CLEARING, CUSTOMER, FEE_INCOME

# 茨城県信用組合's zengin code and 本店営業部: the manual's bank.
BANK_CODE, BRANCH_CODE = "2101", "001"
CONTRACT_NUMBER = "1000001"
# Published demo credentials, not secrets. Passwords: login / confirmation.
USERS = [
    ("demo-master", "デモ 太郎", Role.MASTER, "Master-pass1", "Master-conf1"),
    ("demo-admin", "デモ 花子", Role.ADMIN, "Admin-pass1", "Admin-conf1"),
    ("demo-general", "デモ 次郎", Role.GENERAL, "General-pass1", "General-conf1"),
]
# The demo's branch account is a supervisor: it does all the console offers.
STAFF = ("branch01", "窓口 一郎", "Branch-pass1", "supervisor")
# ペイジー: a city tax (its bills carry a 納付区分), a utility and a card company, each with
# a few bills (a browser test pays one in each language). The format: domain/payeasy.py.
BILLERS_CSV = """\
# record,収納機関番号,名称,kind,桁数,bank,branch,type,account,holder
biller,11111,水戸市 市県民税,tax,16,2101,001,current,8000001,ﾐﾄｼ
biller,22222,茨城電力株式会社,utility,11,2101,001,current,8000002,ｲﾊﾞﾗｷﾃﾞﾝﾘﾖｸ(ｶ
biller,33333,デモカード株式会社,card,12,2101,001,current,8000003,ﾃﾞﾓｶｰﾄﾞ(ｶ
# record,収納機関番号,お客様番号/納付番号,確認番号,金額,期限,納付区分
bill,11111,1000000000000001,123456,45000,2027-01-31,101
bill,11111,1000000000000002,123456,38000,2027-01-31,101
bill,11111,1000000000000003,123456,52000,2027-01-31,102
bill,22222,20000000001,2345,8640,2026-12-25,
bill,22222,20000000002,2345,9120,2026-12-25,
bill,22222,20000000003,2345,7010,2026-12-25,
bill,33333,300000000001,3456,120000,2026-12-27,
bill,33333,300000000002,3456,54321,2026-12-27,
"""


@dataclass(frozen=True)
class DemoAccounts:
    contract_number: str
    users: list[tuple[str, str, str, str]]  # login ID, role, login password, confirmation
    staff: tuple[str, str]  # staff ID, password


def seed_demo(site: SiteServices, institution: Bank, *,
              contract_number: str = CONTRACT_NUMBER, name: str = "デモ商事株式会社",
              users=USERS, staff=STAFF, otp_enabled: bool = False) -> DemoAccounts:
    ctx = site.ctx
    institution = site.institutions.get(institution.service_id)  # the site's row of its bank
    with ctx.db.read() as conn:
        existing = site.users.repo.contract_id_by_number(conn, institution.id,
                                                         contract_number)
    info = DemoAccounts(contract_number, [(u[0], u[2].value, u[3], u[4]) for u in users],
                        (staff[0], staff[2]) if staff else ("", ""))
    if existing is not None:
        return info
    contract = site.users.add_contract(institution, contract_number, name)
    for login_id, person, role, login_password, confirmation in users:
        site.users.add_user(institution, contract, login_id=login_id, name=person, role=role,
                            login_password=login_password,
                            confirmation_password=confirmation)
    now = ctx.clock.now()
    ledger = site.transfers.ledger
    base = int(contract_number[-6:]) % 1_000_000
    with ctx.db.write() as conn:
        for offset, (kind, balance) in enumerate([(AccountType.ORDINARY, 5_000_000),
                                                  (AccountType.CURRENT, 1_200_000)]):
            ledger.add_account(conn, institution_id=institution.id, contract_id=contract.id,
                               kind=CUSTOMER, bank_code=BANK_CODE, branch_code=BRANCH_CODE,
                               account_type=kind, account_number=f"{base + offset:07d}",
                               holder_name="デモシヨウジ(カ", balance=balance, now=now)
        if ledger.clearing(conn, institution.id) is None:
            ledger.add_account(conn, institution_id=institution.id, contract_id=None,
                               kind=CLEARING, bank_code=BANK_CODE, branch_code="999",
                               account_type=AccountType.CURRENT, account_number="9999999",
                               holder_name="シムケカワセ", balance=0, now=now)
        if ledger.fee_income(conn, institution.id) is None:
            ledger.add_account(conn, institution_id=institution.id, contract_id=None,
                               kind=FEE_INCOME, bank_code=BANK_CODE, branch_code="999",
                               account_type=AccountType.CURRENT, account_number="9999998",
                               holder_name="フリコミテスウリヨウ", balance=0, now=now)
        if not ledger.fee_bands(conn, institution.id):
            ledger.set_fee_bands(conn, institution.id, list(DEFAULT_FEES))
    with ctx.db.read() as conn:
        billers = ctx.payeasy.billers_of(conn, institution.id)
    if not billers:
        site.payeasy.load(institution, BILLERS_CSV)
    if staff:
        site.branch.add_staff(institution, *staff[:3], role=StaffRole(staff[3]))
    if otp_enabled:
        with ctx.db.write() as conn:
            site.users.repo.enable_otp(conn, contract.id, "demo", now)
    return info
