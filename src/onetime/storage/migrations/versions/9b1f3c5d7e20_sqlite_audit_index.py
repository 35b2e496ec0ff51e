"""SQLite: no (seal_seq, id) index on audit_log; the unique seal_seq index serves the sealer

Revision ID: 9b1f3c5d7e20
Revises: c7a4e19d2b60
Create Date: 2026-12-03 16:00:00
"""

from alembic import op

revision = '9b1f3c5d7e20'
down_revision = 'c7a4e19d2b60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Issue 15: one index page less to write at every verification's commit. SQLite
    # index entries end with the rowid, so unique(seal_seq) lists NULLs in id order.
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_audit_log_unsealed", table_name="audit_log")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_audit_log_unsealed", "audit_log", ["seal_seq", "id"])
