"""retention: destruction lists for the committee, and the day a case's content was destroyed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'destruction_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('drawn_on', sa.Date(), nullable=False),
        sa.Column('case_ids_json', sa.Text(), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('approval_reference', sa.String(length=120), nullable=True),
        sa.Column('purged_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_destruction_lists')),
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('purged_on')
    op.drop_table('destruction_lists')
