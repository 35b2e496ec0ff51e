"""onboarding: staff roles, users' rights and limits, initial passwords, contract limits

Revision ID: b3d5e7f9a1c2
Revises: b4d2e6f81a3c
Create Date: 2026-12-03 12:30:00

Existing rows keep what they could do before: staff become supervisors, users keep
every operation and approval, and no existing password must be changed. Users' limits
are null: the contract's limits apply.
"""

import sqlalchemy as sa
from alembic import op

revision = 'b3d5e7f9a1c2'
down_revision = 'b4d2e6f81a3c'
branch_labels = None
depends_on = None

ALL_OPERATIONS = ("transfer,bulk_transfer,payroll_transfer,approval,payeasy,"
                  "token_management,user_management")


def upgrade() -> None:
    with op.batch_alter_table('contracts') as batch_op:
        batch_op.add_column(sa.Column('limit_per_transfer', sa.BigInteger(), nullable=False,
                                      server_default='10000000'))
        batch_op.add_column(sa.Column('limit_per_day', sa.BigInteger(), nullable=False,
                                      server_default='50000000'))
    with op.batch_alter_table('site_users') as batch_op:
        batch_op.add_column(sa.Column('operations', sa.String(length=200), nullable=False,
                                      server_default=ALL_OPERATIONS))
        batch_op.add_column(sa.Column('approver', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('limit_per_transfer', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('limit_per_day', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('branch_staff') as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False,
                                      server_default='supervisor'))
    op.create_index(op.f('ix_transfers_site_user_id_executed_at'), 'transfers',
                    ['site_user_id', 'executed_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_transfers_site_user_id_executed_at'), table_name='transfers')
    with op.batch_alter_table('branch_staff') as batch_op:
        batch_op.drop_column('role')
    with op.batch_alter_table('site_users') as batch_op:
        for name in ('must_change_password', 'limit_per_day', 'limit_per_transfer',
                     'approver', 'operations'):
            batch_op.drop_column(name)
    with op.batch_alter_table('contracts') as batch_op:
        batch_op.drop_column('limit_per_day')
        batch_op.drop_column('limit_per_transfer')
