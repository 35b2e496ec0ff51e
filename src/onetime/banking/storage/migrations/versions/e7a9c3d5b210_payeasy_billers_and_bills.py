"""Pay-easy (ペイジー): billers and their bills

Revision ID: e7a9c3d5b210
Revises: b3d5e7f9a1c2
Create Date: 2026-12-03 13:40:00

`billers` (収納機関番号, name, kind, the digits of their numbers, the settlement account)
and `bills` (お客様番号 / 納付番号, 確認番号, 納付区分, amount, due), which the operator
loads; a payment sets a bill's paid_at, journal entry and 受付番号 once.
"""

import sqlalchemy as sa
from alembic import op

import onetime.storage.schema

revision = 'e7a9c3d5b210'
down_revision = 'b3d5e7f9a1c2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'billers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=5), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('number_length', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', onetime.storage.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_billers_account_id_accounts')),
        sa.ForeignKeyConstraint(['institution_id'], ['banks.id'], name=op.f('fk_billers_institution_id_banks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_billers')),
        sa.UniqueConstraint('institution_id', 'number', name=op.f('uq_billers_institution_id_number')),
    )
    op.create_table(
        'bills',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('biller_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('confirmation', sa.String(length=6), nullable=False),
        sa.Column('payment_class', sa.String(length=3), nullable=True),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('paid_at', onetime.storage.schema.UTCDateTime(), nullable=True),
        sa.Column('paid_by', sa.BigInteger(), nullable=True),
        sa.Column('from_account_id', sa.BigInteger(), nullable=True),
        sa.Column('journal_id', sa.BigInteger(), nullable=True),
        sa.Column('receipt_number', sa.String(length=20), nullable=True),
        sa.Column('created_at', onetime.storage.schema.UTCDateTime(), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_bills_amount_positive')),
        sa.ForeignKeyConstraint(['biller_id'], ['billers.id'], name=op.f('fk_bills_biller_id_billers')),
        sa.ForeignKeyConstraint(['from_account_id'], ['accounts.id'], name=op.f('fk_bills_from_account_id_accounts')),
        sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_bills_journal_id_journal')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bills')),
        sa.UniqueConstraint('biller_id', 'number', name=op.f('uq_bills_biller_id_number')),
        sa.UniqueConstraint('receipt_number', name=op.f('uq_bills_receipt_number')),
    )


def downgrade() -> None:
    op.drop_table('bills')
    op.drop_table('billers')
