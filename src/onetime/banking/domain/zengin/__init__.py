"""全銀協規定形式 transfer files (総合振込 21, 給与振込 11, 賞与振込 12): read, check, write.

Pure: bytes in, bytes or values out. Bank and branch codes are checked by a
`Directory` the caller passes (the zengin code list in banking/service/zengin.py).
"""

from onetime.banking.domain.zengin.charset import to_half_width
from onetime.banking.domain.zengin.errors import (
    InvalidZenginText,
    InvalidZenginValue,
    Problem,
    ZenginFileInvalid,
)
from onetime.banking.domain.zengin.layout import Kind
from onetime.banking.domain.zengin.model import (
    DepositType,
    Header,
    NewCode,
    Transfer,
    TransferMethod,
    ZenginFile,
)
from onetime.banking.domain.zengin.parse import Directory, check, parse
from onetime.banking.domain.zengin.render import render
from onetime.banking.domain.zengin.screen import transfer_from

__all__ = [
    "DepositType", "Directory", "Header", "InvalidZenginText", "InvalidZenginValue", "Kind",
    "NewCode", "Problem", "Transfer", "TransferMethod", "ZenginFile", "ZenginFileInvalid",
    "check", "parse", "render", "to_half_width", "transfer_from",
]
