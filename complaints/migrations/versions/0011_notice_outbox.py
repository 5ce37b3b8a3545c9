"""notice outbox: content-free e-mail notices kept in the database until sent, with retry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_outbox')),
    )
    with op.batch_alter_table('notice_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notice_outbox_due', ['sent_at', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notice_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_outbox_due')
    op.drop_table('notice_outbox')
