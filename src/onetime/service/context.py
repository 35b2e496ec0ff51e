"""What every use case needs, built once per process and passed in (no globals).

The OTP service's repositories are here, and only here: a service takes the ones it needs
from its Context and constructs none (every SQL statement is in one of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from onetime.crypto import KdfParams, KeyRing
from onetime.domain.clock import Clock
from onetime.storage.audit import AuditRepository
from onetime.storage.confirmations import ConfirmationRepository
from onetime.storage.database import Database
from onetime.storage.institutions import InstitutionRepository
from onetime.storage.outbox import OutboxRepository
from onetime.storage.setup_sessions import SetupSessionRepository
from onetime.storage.token_import import TokenImportRepository
from onetime.storage.tokens import TokenRepository


@dataclass
class Context:
    db: Database
    keyring: KeyRing
    clock: Clock
    # argon2id cost of the setup protocol's password-derived key (tests use a cheap one).
    setup_kdf: KdfParams
    tokens: TokenRepository = field(default_factory=TokenRepository)
    token_import: TokenImportRepository = field(default_factory=TokenImportRepository)
    institutions: InstitutionRepository = field(default_factory=InstitutionRepository)
    audit: AuditRepository = field(default_factory=AuditRepository)
    outbox: OutboxRepository = field(default_factory=OutboxRepository)
    setup_sessions: SetupSessionRepository = field(default_factory=SetupSessionRepository)
    confirmations: ConfirmationRepository = field(default_factory=ConfirmationRepository)
    # Where the sealer records the chain head outside the database (see service/audit.py).
    audit_anchor: Path | None = None
