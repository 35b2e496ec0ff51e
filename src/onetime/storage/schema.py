"""The tables. One module, so a newcomer sees the whole schema at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY, not BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    Stored naive in UTC so that SQLite's text comparison orders them correctly.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


institutions = Table(
    "institutions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("mail_sender", String(254), nullable=False),
    Column("api_key_hash", LargeBinary(32), nullable=False),
    Column("settings", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, ForeignKey("institutions.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("serial", String(40), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("algorithm", String(8), nullable=False),
    Column("digits", Integer, nullable=False),
    Column("period", Integer, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_step", BigInteger, nullable=True),
    Column("drift", Integer, nullable=False, default=0),
    Column("email", String(254), nullable=True),
    # The activation password, as an argon2id-derived key, itself encrypted.
    Column("activation_key_id", String(32), nullable=True),
    Column("activation_blob", LargeBinary, nullable=True),
    Column("activation_attempts_left", Integer, nullable=False, default=0),
    Column("secret_key_id", String(32), nullable=True),
    Column("secret_blob", LargeBinary, nullable=True),
    Column("issued_at", UTCDateTime, nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("activated_at", UTCDateTime, nullable=True),
    Column("confirmed_at", UTCDateTime, nullable=True),
    Column("suspended_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("setup_available_at", UTCDateTime, nullable=True),
    # 取引確認: the last app request's time (ms) and the last OCRA step accepted; each
    # moves forward only, by a conditional UPDATE, so a replay finds no row.
    Column("app_request_ms", BigInteger, nullable=True),
    Column("ocra_last_step", BigInteger, nullable=True),
    # One current token per user; the history lives in the audit trail.
    UniqueConstraint("institution_id", "user_id"),
)

setup_sessions = Table(
    "setup_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("token_id", BigId, ForeignKey("tokens.id"), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("key_blob", LargeBinary, nullable=False),
    Column("transcript_hash", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("source_ip", String(64), nullable=True),
)

# 取引確認 requests (domain/confirmations.py); `details` is the JSON the site sent, checked.
confirmations = Table(
    "confirmations",
    metadata,
    Column("id", String(43), primary_key=True),
    Column("institution_id", Integer, ForeignKey("institutions.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("details", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Index("ix_confirmations_institution_id_user_id_state", "institution_id", "user_id",
          "state"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("institution_id", Integer, nullable=True),
    Column("event", String(32), nullable=False),
    Column("user_id", String(64), nullable=True),
    Column("actor", String(128), nullable=True),
    Column("operation", String(32), nullable=True),
    Column("result", String(16), nullable=True),
    Column("source_ip", String(64), nullable=True),
    Column("detail", Text, nullable=True),
    # Filled by the sealer after commit: position in the chain and the chained MAC.
    Column("seal_seq", BigInteger, nullable=True, unique=True),
    Column("seal_hash", LargeBinary(32), nullable=True),
    Index("ix_audit_log_institution_id_id", "institution_id", "id"),
    # The sealer's "oldest unsealed first" (storage/audit.py), on PostgreSQL only: in
    # SQLite every index entry ends with the rowid (our id), so the unique seal_seq
    # index already lists the unsealed (NULL) entries in id order, and a second index
    # would cost each verification's commit one more page.
    Index("ix_audit_log_unsealed", "seal_seq", "id").ddl_if(dialect="postgresql"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, nullable=True),
    Column("sender", String(254), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500), nullable=True),
)
