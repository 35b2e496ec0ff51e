"""承認: approval requests, and the journal by actor for the daily limit

Revision ID: a4c8e2f61b93
Revises: e7a9c3d5b210
Create Date: 2026-12-03 15:40:00

`approval_requests`: a transfer, 総合振込 or 給与・賞与振込 entered under the
institution's approval_operations, kept in every state (承認待ち, 承認済, 差戻し, 取消,
期限切れ) with who requested and who decided; `ix_journal_actor_booked_at` for the day's
total of a user's batches and payments (their limits).
"""

import sqlalchemy as sa
from alembic import op

import onetime.storage.schema

revision = 'a4c8e2f61b93'
down_revision = 'e7a9c3d5b210'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'approval_requests',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('operation', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.BigInteger(), nullable=False),
        sa.Column('requester_name', sa.String(length=200), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('fees', sa.BigInteger(), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('from_account_id', sa.BigInteger(), nullable=False),
        sa.Column('value_date', sa.Date(), nullable=False),
        sa.Column('expires_at', onetime.storage.schema.UTCDateTime(), nullable=False),
        sa.Column('draft', sa.Text(), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', onetime.storage.schema.UTCDateTime(), nullable=False),
        sa.Column('decided_by', sa.BigInteger(), nullable=True),
        sa.Column('decider_name', sa.String(length=200), nullable=True),
        sa.Column('decided_at', onetime.storage.schema.UTCDateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('journal_id', sa.BigInteger(), nullable=True),
        sa.CheckConstraint('amount > 0', name=op.f('ck_approval_requests_amount_positive')),
        sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_approval_requests_contract_id_contracts')),
        sa.ForeignKeyConstraint(['from_account_id'], ['accounts.id'], name=op.f('fk_approval_requests_from_account_id_accounts')),
        sa.ForeignKeyConstraint(['institution_id'], ['banks.id'], name=op.f('fk_approval_requests_institution_id_banks')),
        sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_approval_requests_journal_id_journal')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_requests')),
        sa.UniqueConstraint('institution_id', 'request_id', name=op.f('uq_approval_requests_institution_id_request_id')),
    )
    op.create_index('ix_approval_requests_contract_id_state', 'approval_requests',
                    ['contract_id', 'state'], unique=False)
    op.create_index('ix_approval_requests_contract_id_id', 'approval_requests',
                    ['contract_id', 'id'], unique=False)
    op.create_index('ix_journal_actor_booked_at', 'journal', ['actor', 'booked_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_journal_actor_booked_at', table_name='journal')
    op.drop_index('ix_approval_requests_contract_id_id', table_name='approval_requests')
    op.drop_index('ix_approval_requests_contract_id_state', table_name='approval_requests')
    op.drop_table('approval_requests')
