"""reveal requests: a handler asks, an identity custodian decides

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reveal_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=40), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reveal_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_users.id'], name=op.f('fk_reveal_requests_decided_by_id_staff_users')),
    sa.ForeignKeyConstraint(['requester_id'], ['staff_users.id'], name=op.f('fk_reveal_requests_requester_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reveal_requests'))
    )
    with op.batch_alter_table('reveal_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reveal_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_reveal_requests_pending', ['decision', 'requested_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reveal_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_reveal_requests_pending')
        batch_op.drop_index(batch_op.f('ix_reveal_requests_case_id'))

    op.drop_table('reveal_requests')
