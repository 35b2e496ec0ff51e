"""`python -m bench.ledger`: book a 1 000-line payroll batch (給与・賞与振込), on SQLite and
PostgreSQL, and print the time. Target: under 1 s, lines checked and booked.

A fresh site per database (tests/e2e/servers.site) with the demo contract; the paying
account holds enough for every run, and half the lines credit accounts of the bank
itself (found in one query), half go to other banks (clearing), each with its fee. The
time is `BatchService.book` from the plain records to the commit: every line checked
(formats, the zengin bank and branch list), the journal entry, 1 002 postings and the
balances. The zengin list is loaded once beforehand, as a running site has it.

Then the site's whole path for the same lines as an uploaded 全銀 file (給与振込):
`BulkService.prepare_file` (parse, every code looked up, the paying account, the fees,
the draft and its audit entry) and the booking of that draft — validated AND booked.
The step-up between them (a person typing a code) is not timed.

Knobs: BENCH_LEDGER_LINES (1000), BENCH_LEDGER_RUNS (5), BENCH_DBS (sqlite,postgresql),
ONETIME_TEST_PG (PostgreSQL admin URL).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from onetime.banking.domain import zengin as zengin_format
from onetime.banking.domain.batches import CreditRecord
from onetime.banking.domain.ledger import JournalKind
from onetime.banking.domain.transfers import AccountType
from onetime.banking.otp.local import local_site
from onetime.banking.service import zengin
from onetime.banking.service.demo import BANK_CODE, BRANCH_CODE, seed_demo
from onetime.banking.storage.ledger import CUSTOMER
from onetime.banking.storage.schema import contracts
from onetime.service.services import Services
from tests.e2e import servers

LINES = int(os.environ.get("BENCH_LEDGER_LINES", "1000"))
RUNS = int(os.environ.get("BENCH_LEDGER_RUNS", "5"))
DBS = [d for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]
OTHER_BANKS = [("0001", "001"), ("0005", "001"), ("0009", "001")]  # みずほ, 三菱UFJ, 三井住友


def records(payees: list[str]) -> list[CreditRecord]:
    """LINES payroll lines as a file parser hands them over: text, half-width kana."""
    lines = []
    for n in range(LINES):
        amount = f"{180_000 + (n * 7919) % 320_000:d}"
        if n % 2 == 0:
            lines.append(CreditRecord(BANK_CODE, BRANCH_CODE, "ordinary",
                                      payees[(n // 2) % len(payees)], "ｼﾔｲﾝ ﾀﾛｳ", amount))
        else:
            bank, branch = OTHER_BANKS[n % len(OTHER_BANKS)]
            lines.append(CreditRecord(bank, branch, "ordinary", f"{n:07d}", "ｼﾔｲﾝ ﾊﾅｺ",
                                      amount))
    return lines


def payroll_file(batch: list[CreditRecord], payer: str) -> bytes:
    """The lines as the 全銀 file (給与振込) a payroll program would upload."""
    header = zengin_format.Header(
        kind=zengin_format.Kind.PAYROLL, requester_code="0001000001",
        requester_name="ﾃﾞﾓｼﾖｳｼﾞ(ｶ", transfer_date="0425", bank_code=BANK_CODE,
        branch_code=BRANCH_CODE, deposit_type=zengin_format.DepositType.CURRENT,
        account_number=payer)
    return zengin_format.render(zengin_format.ZenginFile(header, tuple(
        zengin_format.Transfer(r.bank_code, r.branch_code, zengin_format.DepositType.ORDINARY,
                               r.account_number, r.holder_name, int(r.amount))
        for r in batch)))


def measure(kind: str, root: Path) -> tuple[list[float], list[float]]:
    with servers.site(kind, root / kind) as fresh:
        services = Services.from_context(fresh.ctx)
        site = local_site(services, kdf_profile="test")
        seed_demo(site, fresh.institution)
        bank = site.institutions.get(fresh.institution.service_id)
        master = site.users.authenticate(bank, "demo-master", "Master-pass1")
        ledger, now = site.ctx.ledger, site.ctx.clock.now()
        with site.ctx.db.write() as conn:
            # A large employer's contract: its limits (the ceiling of 利用者管理's, which
            # every operation now checks) above the runs' payrolls, as its branch sets them.
            conn.execute(update(contracts).where(contracts.c.id == master.contract_id)
                         .values(limit_per_transfer=10**12, limit_per_day=10**13))
        contract = site.users.contract(bank, master.contract_id)
        with site.ctx.db.write() as conn:
            payer = ledger.add_account(
                conn, institution_id=bank.id, contract_id=contract.id, kind=CUSTOMER,
                bank_code=BANK_CODE, branch_code=BRANCH_CODE, account_type=AccountType.CURRENT,
                account_number="0500000", holder_name="デモシヨウジ(カ", balance=10**12, now=now)
            payees = [f"{600_000 + n:07d}" for n in range(LINES // 2)]
            for number in payees:
                ledger.add_account(conn, institution_id=bank.id, contract_id=None,
                                   kind=CUSTOMER, bank_code=BANK_CODE, branch_code=BRANCH_CODE,
                                   account_type=AccountType.ORDINARY, account_number=number,
                                   holder_name="シヤイン", balance=0, now=now)
        batch = records(payees)
        zengin.names(BANK_CODE, BRANCH_CODE)  # the zengin list, loaded once per process
        seconds = []
        for run in range(RUNS):
            started = time.perf_counter()
            receipt = site.batches.book(bank, contract, debit_account_id=payer,
                                        records=batch, request_id=f"bench-{run}",
                                        actor=master.actor, kind=JournalKind.PAYROLL)
            seconds.append(time.perf_counter() - started)
            assert receipt.lines == LINES
        data, from_file = payroll_file(batch, "0500000"), []
        for _ in range(RUNS):
            started = time.perf_counter()
            draft = site.bulk.prepare_file(bank, master, data)
            receipt = site.batches.book(bank, contract, debit_account_id=draft.from_account_id,
                                        records=[ln.record() for ln in draft.lines],
                                        request_id=draft.request_id, actor=master.actor,
                                        kind=JournalKind.PAYROLL)
            from_file.append(time.perf_counter() - started)
            assert receipt.lines == LINES
        with site.ctx.db.read() as conn:
            assert ledger.unbalanced_journals(conn) == []
        return seconds, from_file


def main() -> int:
    print(f"\nLedger: a {LINES:,}-line payroll batch booked as one journal entry, "
          f"{RUNS} runs, target < 1 s. records: BatchService.book, lines checked and "
          "booked; file: the 全銀 file validated (BulkService.prepare_file) and booked")
    with tempfile.TemporaryDirectory(prefix="onetime-bench-ledger-") as tmp:
        for kind in DBS:
            if kind == "postgresql" and (problem := servers.postgres_problem()):
                print(f"postgresql skipped: {problem}")
                continue
            for what, seconds in zip(("records", "file"), measure(kind, Path(tmp)),
                                     strict=True):
                load = os.getloadavg()
                print(f"{kind:<10} {what:<7} median {statistics.median(seconds) * 1000:6.0f} ms"
                      f"   best {min(seconds) * 1000:6.0f} ms   "
                      f"worst {max(seconds) * 1000:6.0f} ms   "
                      f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
