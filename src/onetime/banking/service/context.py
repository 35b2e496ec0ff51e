"""What the site's use cases share, built once per process and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from onetime.banking.domain.calendar import BankCalendar
from onetime.banking.otp import OtpService
from onetime.banking.storage.approvals import ApprovalRepository
from onetime.banking.storage.banks import BankRepository
from onetime.banking.storage.database import Connection, Database
from onetime.banking.storage.ledger import LedgerRepository
from onetime.banking.storage.payeasy import PayeasyRepository
from onetime.banking.storage.people import PeopleRepository
from onetime.banking.storage.sessions import SessionRepository, ThrottleRepository
from onetime.banking.storage.totals import TotalsRepository
from onetime.crypto import KeyRing
from onetime.domain.clock import Clock


class AuditTrail(Protocol):
    def append(self, conn: Connection, **fields) -> None:
        """One audit entry, in the caller's transaction (storage/audit.py's repository)."""


@dataclass
class Context:
    # The site's database: the OTP service's own when it runs in this process, or one of
    # the site's (its tables, and its own audit trail) when the OTP service is remote.
    db: Database
    clock: Clock
    # MACs of what the site hands the browser to keep (a refused form, web/refusals.py).
    keyring: KeyRing
    audit: AuditTrail
    otp: OtpService
    # Business days and the 15:00 cut-off that date transfers (振込指定日).
    calendar: BankCalendar = field(default_factory=BankCalendar)
    # The repositories, one each: services take them from here, never build their own.
    people: PeopleRepository = field(default_factory=PeopleRepository)
    sessions: SessionRepository = field(default_factory=SessionRepository)
    throttle: ThrottleRepository = field(default_factory=ThrottleRepository)
    ledger: LedgerRepository = field(default_factory=LedgerRepository)
    banks: BankRepository = field(default_factory=BankRepository)
    totals: TotalsRepository = field(default_factory=TotalsRepository)
    payeasy: PayeasyRepository = field(default_factory=PayeasyRepository)
    approvals: ApprovalRepository = field(default_factory=ApprovalRepository)
