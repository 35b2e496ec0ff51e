"""The shared storage machinery the site's repositories build on: the Database (engine,
transactions, availability) and the audit repository (entries written unsealed, chained
by the sealer). The OTP service's tables and repositories are not the site's to use."""

from onetime.storage.audit import AuditRepository
from onetime.storage.database import Database

__all__ = ["AuditRepository", "Database"]
