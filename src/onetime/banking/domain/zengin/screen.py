"""A transfer entered on screen (振込・振替's `Destination`) as a data record of a batch."""

from __future__ import annotations

from onetime.banking.domain.transfers import AccountType, Destination
from onetime.banking.domain.zengin.charset import to_half_width
from onetime.banking.domain.zengin.model import DepositType, Transfer

DEPOSIT_TYPES = {AccountType.ORDINARY: DepositType.ORDINARY,
                 AccountType.CURRENT: DepositType.CURRENT}


def transfer_from(destination: Destination, amount: int, **codes: str) -> Transfer:
    """The data record of `amount` yen to `destination`: the recipient's name folded into
    the 全銀 set, the bank and branch names left blank (任意; the codes are what banks
    route by, and the code list's names are kanji). `codes`: customer_code_1 and _2
    (社員番号 and 所属コード in a payroll batch), edi_info, new_code, transfer_method.

    Raises InvalidZenginText for a name with a character outside the set; render raises
    InvalidZenginValue for one longer than the 30 bytes of 受取人名.
    """
    return Transfer(bank_code=destination.bank_code, branch_code=destination.branch_code,
                    deposit_type=DEPOSIT_TYPES[destination.account_type],
                    account_number=destination.account_number,
                    recipient_name=to_half_width(destination.holder_name), amount=amount,
                    **codes)
