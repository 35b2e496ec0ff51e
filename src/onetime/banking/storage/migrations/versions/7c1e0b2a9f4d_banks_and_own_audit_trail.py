"""banks, and the site's own audit trail when its database is its own

Revision ID: 7c1e0b2a9f4d
Revises: 51d58d3aba9c
Create Date: 2026-12-01 09:00:00

`banks` names the institutions the site serves; every `institution_id` of the site's
tables now refers to it. In a database shared with the OTP service (every database an
older onetime made), `banks` starts as a copy of `institutions` with the same IDs, so
no row changes, and the old foreign keys to `institutions` are replaced. A database of
its own gets an `audit_log` shaped like the OTP service's (the same table definition),
so the same repository and sealer keep the site's trail there.
"""

import sqlalchemy as sa
from alembic import op

import onetime.storage.schema
from onetime.storage.schema import audit_log

revision = '7c1e0b2a9f4d'
down_revision = '51d58d3aba9c'
branch_labels = None
depends_on = None

SITE_TABLES = ("contracts", "site_users", "branch_staff", "accounts", "transfers")


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        'banks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('mail_sender', sa.String(length=254), nullable=False),
        sa.Column('settings', sa.Text(), nullable=True),
        sa.Column('created_at', onetime.storage.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_banks')),
        sa.UniqueConstraint('service_id', name=op.f('uq_banks_service_id')),
    )
    inspector = sa.inspect(conn)
    if inspector.has_table('institutions'):
        conn.execute(sa.text(
            "INSERT INTO banks (id, service_id, name, mail_sender, created_at)"
            " SELECT id, service_id, name, mail_sender, created_at FROM institutions"))
        if conn.dialect.name == 'postgresql':
            conn.execute(sa.text(
                "SELECT setval(pg_get_serial_sequence('banks', 'id'),"
                " COALESCE((SELECT max(id) FROM banks), 0) + 1, false)"))
    if conn.dialect.name == 'sqlite':
        # Rebuilding a table drops it; children's references are checked at commit instead.
        conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
    for table in SITE_TABLES:
        old = [fk['name'] for fk in inspector.get_foreign_keys(table)
               if fk['referred_table'] == 'institutions']
        with op.batch_alter_table(table, recreate='auto') as batch_op:
            for name in old:
                batch_op.drop_constraint(name, type_='foreignkey')
            batch_op.create_foreign_key(op.f(f'fk_{table}_institution_id_banks'), 'banks',
                                        ['institution_id'], ['id'])
    if not inspector.has_table('audit_log'):
        audit_log.to_metadata(sa.MetaData(naming_convention=audit_log.metadata
                                          .naming_convention)).create(conn)


def downgrade() -> None:
    for table in SITE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_institution_id_banks'),
                                     type_='foreignkey')
    op.drop_table('banks')
