"""the double-entry journal, its postings, and the transfer fee table

Revision ID: b4d2e6f81a3c
Revises: 7c1e0b2a9f4d
Create Date: 2026-12-03 12:30:00

Every booking is one `journal` row (unique per institution on its request ID) with its
`postings`, which sum to zero; balances stay on `accounts`. `transfer_fees` holds each
institution's fee bands. A transfer row now names its journal entry, fee and value date
(null for the transfers booked before the journal existed).
"""

import sqlalchemy as sa
from alembic import op

import onetime.storage.schema

revision = 'b4d2e6f81a3c'
down_revision = '7c1e0b2a9f4d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'journal',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('value_date', sa.Date(), nullable=False),
        sa.Column('booked_at', onetime.storage.schema.UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['institution_id'], ['banks.id'], name=op.f('fk_journal_institution_id_banks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_journal')),
        sa.UniqueConstraint('institution_id', 'request_id', name=op.f('uq_journal_institution_id_request_id')),
    )
    op.create_table(
        'postings',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('journal_id', sa.BigInteger(), nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('amount <> 0', name=op.f('ck_postings_amount_not_zero')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_postings_account_id_accounts')),
        sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_postings_journal_id_journal')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_postings')),
    )
    op.create_index(op.f('ix_postings_journal_id'), 'postings', ['journal_id'])
    op.create_index(op.f('ix_postings_account_id'), 'postings', ['account_id'])
    op.create_table(
        'transfer_fees',
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('from_amount', sa.BigInteger(), nullable=False),
        sa.Column('fee', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('fee >= 0', name=op.f('ck_transfer_fees_fee_not_negative')),
        sa.ForeignKeyConstraint(['institution_id'], ['banks.id'], name=op.f('fk_transfer_fees_institution_id_banks')),
        sa.PrimaryKeyConstraint('institution_id', 'scope', 'from_amount', name=op.f('pk_transfer_fees')),
    )
    with op.batch_alter_table('transfers') as batch_op:
        batch_op.add_column(sa.Column('journal_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fee', sa.BigInteger(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('value_date', sa.Date(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_transfers_journal_id_journal'), 'journal',
                                    ['journal_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('transfers') as batch_op:
        batch_op.drop_constraint(op.f('fk_transfers_journal_id_journal'), type_='foreignkey')
        batch_op.drop_column('value_date')
        batch_op.drop_column('fee')
        batch_op.drop_column('journal_id')
    op.drop_table('transfer_fees')
    op.drop_index(op.f('ix_postings_account_id'), table_name='postings')
    op.drop_index(op.f('ix_postings_journal_id'), table_name='postings')
    op.drop_table('postings')
    op.drop_table('journal')
