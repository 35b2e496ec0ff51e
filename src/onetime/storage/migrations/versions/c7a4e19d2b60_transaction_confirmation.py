"""transaction confirmation (取引確認): requests, the app's request clock, OCRA's last step

Revision ID: c7a4e19d2b60
Revises: 51d58d3aba9c
Create Date: 2026-12-03 12:30:00
"""

from alembic import op
import sqlalchemy as sa
import onetime.storage.schema


revision = 'c7a4e19d2b60'
down_revision = '51d58d3aba9c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('confirmations',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('serial', sa.String(length=40), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', onetime.storage.schema.UTCDateTime(), nullable=False),
    sa.Column('expires_at', onetime.storage.schema.UTCDateTime(), nullable=False),
    sa.Column('decided_at', onetime.storage.schema.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'],
                            name=op.f('fk_confirmations_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmations'))
    )
    with op.batch_alter_table('confirmations', schema=None) as batch_op:
        batch_op.create_index('ix_confirmations_institution_id_user_id_state',
                              ['institution_id', 'user_id', 'state'], unique=False)
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_request_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('ocra_last_step', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_column('ocra_last_step')
        batch_op.drop_column('app_request_ms')
    with op.batch_alter_table('confirmations', schema=None) as batch_op:
        batch_op.drop_index('ix_confirmations_institution_id_user_id_state')
    op.drop_table('confirmations')
