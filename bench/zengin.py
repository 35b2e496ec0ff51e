"""`python -m bench.zengin`: a 1 000-line payroll file (給与振込), generated and validated.

Issue 12 asks that such a file be validated and booked in under 1 s; this measures the
file half: render a batch of BENCH_ZENGIN_LINES transfers (1 000) to 全銀 bytes, then parse
it back with every bank and branch code looked up in the zengin code list. The code list
is loaded (~0.2 s, once per process) before the clock starts, as a server has it loaded;
that load is printed apart. Best of BENCH_ZENGIN_ROUNDS (5) runs; exit 1 over the budget.
The booking half is the ledger's: it takes `banking.service.zengin.read_file`'s result.
"""

from __future__ import annotations

import os
import sys
import time

from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import DepositType, Header, Kind, Transfer, ZenginFile
from onetime.banking.service import zengin as directory

LINES = int(os.environ.get("BENCH_ZENGIN_LINES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ZENGIN_ROUNDS", "5"))
BUDGET_SECONDS = 1.0


def payroll(lines: int) -> ZenginFile:
    """`lines` salaries to accounts at real banks and branches, spread over the list."""
    branches = [(code, branch) for code, bank in directory._banks().items()
                for branch in bank.branches][::37]
    header = Header(kind=Kind.PAYROLL, requester_code="1234567890",
                    requester_name="ｶ)ﾍﾞﾝﾁﾏｰｸｼﾖｳｼﾞ", transfer_date="0425", bank_code="0001",
                    branch_code="001", deposit_type=DepositType.ORDINARY,
                    account_number="1234567")
    transfers = tuple(
        Transfer(bank_code=bank, branch_code=branch, deposit_type=DepositType.ORDINARY,
                 account_number=f"{i:07d}", recipient_name=f"ｼﾞﾕｳｷﾞﾖｳｲﾝ {i:05d}",
                 amount=200_000 + i, customer_code_1=f"{i:010d}", customer_code_2="0000000010")
        for i, (bank, branch) in zip(range(lines), _cycle(branches), strict=False))
    return ZenginFile(header, transfers)


def _cycle(items):
    while True:
        yield from items


def main() -> int:
    started = time.perf_counter()
    directory.names("0001", "001")
    load = time.perf_counter() - started
    batch = payroll(LINES)
    best_render = best_parse = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        data = zengin.render(batch)
        t1 = time.perf_counter()
        parsed = directory.read_file(data)
        t2 = time.perf_counter()
        if parsed != batch:
            print("parse(render(batch)) != batch", file=sys.stderr)
            return 1
        best_render, best_parse = min(best_render, t1 - t0), min(best_parse, t2 - t1)
    total = best_render + best_parse
    print(f"zengin payroll file: {LINES:,} data records, {len(data):,} bytes")
    print(f"  zengin code list load (once per process): {load * 1000:8.1f} ms")
    print(f"  generate (render)                       : {best_render * 1000:8.1f} ms")
    print(f"  validate (parse, codes looked up)       : {best_parse * 1000:8.1f} ms")
    print(f"  generate + validate                     : {total * 1000:8.1f} ms "
          f"(budget {BUDGET_SECONDS * 1000:.0f} ms with booking) "
          f"{'OK' if total < BUDGET_SECONDS else 'OVER'}")
    return 0 if total < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
