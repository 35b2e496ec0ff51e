"""banking site tables (moved to onetime.banking)

Revision ID: 51d58d3aba9c
Revises: 8028a021c397
Create Date: 2026-11-26 07:58:49.825258

The banking site's tables now have their own history (onetime/banking/storage/migrations,
version table alembic_version_banking), whose first revision carries this ID. This one
stays, empty, so that a database an older onetime left here is at the OTP head; the
banking history then adopts the tables it finds (storage/migrate.py).
"""

revision = '51d58d3aba9c'
down_revision = '8028a021c397'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
