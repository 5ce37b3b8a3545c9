"""key rotation: holder-driven rotations of the unit and custodian keys, and versioned receipt peppers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'key_rotations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('old_key_id', sa.Integer(), nullable=False),
        sa.Column('new_key_id', sa.Integer(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('switched_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('resealed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['new_key_id'], ['org_keys.id'], name=op.f('fk_key_rotations_new_key_id_org_keys')),
        sa.ForeignKeyConstraint(['old_key_id'], ['org_keys.id'], name=op.f('fk_key_rotations_old_key_id_org_keys')),
        sa.ForeignKeyConstraint(
            ['started_by_id'], ['staff_users.id'], name=op.f('fk_key_rotations_started_by_id_staff_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_rotations')),
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pepper_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('pepper_version')
    op.drop_table('key_rotations')
