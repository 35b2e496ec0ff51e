"""Bank and branch names from the zengin code list (全銀協 金融機関コード)."""

from __future__ import annotations

import threading
from functools import cache

from onetime.banking.domain import zengin as zengin_format
from onetime.banking.domain.errors import UnknownBank, UnknownBranch

_lock = threading.Lock()


@cache
def _banks():
    # Importing zengin_code loads every bank and branch (~0.2 s); done once, on first use.
    with _lock:
        from zengin_code import Bank
        return Bank.all


def names(bank_code: str, branch_code: str) -> tuple[str, str]:
    """(bank name, branch name). Raises UnknownBank, UnknownBranch."""
    bank = _banks().get(bank_code)
    if bank is None:
        raise UnknownBank(f"no bank {bank_code}")
    branch = bank.branches.get(branch_code)
    if branch is None:
        raise UnknownBranch(f"no branch {branch_code} of bank {bank_code}")
    return bank.name, branch.name


def search(query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Banks whose name, kana or code contains `query`: [(code, name)]."""
    query = query.strip()
    if not query:
        return []
    found = []
    for code, bank in _banks().items():
        if query in code or query in bank.name or query in bank.kana or query in bank.hira:
            found.append((code, bank.name))
            if len(found) >= limit:
                break
    return found


def read_file(data: bytes) -> zengin_format.ZenginFile:
    """The transfers of a 全銀協規定形式 file (総合振込, 給与・賞与振込), its bank and branch
    codes checked against the code list: what an upload books, all or nothing.

    Raises ZenginFileInvalid listing every problem of the file.
    """
    return zengin_format.parse(data, names)


def check_file(data: bytes) -> list[zengin_format.Problem]:
    """Every problem of a 全銀 file (bank and branch codes included); [] if it is valid."""
    return zengin_format.check(data, names)
