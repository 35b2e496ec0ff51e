"""振込手数料: the fee a transfer costs, by where the money goes and how much it is.

Each institution has its own table: for each scope (the same branch, another branch of
the same bank, another bank) the fee of each amount band, a band starting at its
`from_amount` (the demo's: under 30 000 yen, and 30 000 yen and over).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# The usual Japanese band edge: transfers of 30 000 yen and over cost more.
BAND_EDGE = 30_000


class FeeScope(StrEnum):
    SAME_BRANCH = "same_branch"  # 同一店内
    OTHER_BRANCH = "other_branch"  # 本支店宛
    OTHER_BANK = "other_bank"  # 他行宛


@dataclass(frozen=True)
class FeeBand:
    scope: FeeScope
    from_amount: int  # the band holds amounts >= this, up to the next band's start
    fee: int


# The demo institution's table, in yen: transfers within a branch are free.
DEFAULT_FEES = (
    FeeBand(FeeScope.SAME_BRANCH, 0, 0), FeeBand(FeeScope.SAME_BRANCH, BAND_EDGE, 0),
    FeeBand(FeeScope.OTHER_BRANCH, 0, 110), FeeBand(FeeScope.OTHER_BRANCH, BAND_EDGE, 330),
    FeeBand(FeeScope.OTHER_BANK, 0, 440), FeeBand(FeeScope.OTHER_BANK, BAND_EDGE, 660),
)


def scope(source_bank: str, source_branch: str, bank: str, branch: str) -> FeeScope:
    if bank != source_bank:
        return FeeScope.OTHER_BANK
    return FeeScope.SAME_BRANCH if branch == source_branch else FeeScope.OTHER_BRANCH


class FeeTable:
    """An institution's bands; an institution without any charges nothing."""

    def __init__(self, bands: Iterable[FeeBand]) -> None:
        self._bands: dict[FeeScope, list[FeeBand]] = {}
        for band in sorted(bands, key=lambda b: b.from_amount):
            self._bands.setdefault(band.scope, []).append(band)

    def fee(self, where: FeeScope, amount: int) -> int:
        fee = 0
        for band in self._bands.get(where, []):
            if amount >= band.from_amount:
                fee = band.fee
        return fee
