"""reporter audit chain and stored password cost

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 05:47:22.453367
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporter_audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=400), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_audit_events')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_reporter_audit_events_entry_hash'))
    )
    with op.batch_alter_table('reporter_audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporter_audit_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reporter_audit_events_occurred_on'), ['occurred_on'], unique=False)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        # Accounts made before this revision were all derived with the default production cost.
        batch_op.add_column(
            sa.Column('password_params', sa.String(length=64), nullable=False, server_default='m=65536,t=3,p=1')
        )



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('password_params')

    with op.batch_alter_table('reporter_audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporter_audit_events_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_reporter_audit_events_case_id'))

    op.drop_table('reporter_audit_events')
