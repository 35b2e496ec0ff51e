"""The shared storage machinery the site's repositories build on: the Database (engine,
transactions, availability), the audit repository (entries written unsealed, chained by
the sealer) and DuplicateKey, which repositories raise for a unique violation. The OTP
service's tables and repositories are not the site's to use."""

from onetime.storage.audit import AuditRepository
from onetime.storage.conflicts import DuplicateKey
from onetime.storage.database import Connection, Database

__all__ = ["AuditRepository", "Connection", "Database", "DuplicateKey"]
