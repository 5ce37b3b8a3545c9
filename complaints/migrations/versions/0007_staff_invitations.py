"""staff invitations: the admin prints an invitation; the person sets their own password and
authenticator on their own device

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_digest', sa.String(length=64), nullable=False),
        sa.Column('sets_password', sa.Boolean(), nullable=False),
        sa.Column('sets_totp', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('step_digest', sa.String(length=64), nullable=True),
        sa.Column('step_expires_at', sa.DateTime(), nullable=True),
        sa.Column('pending_totp_ciphertext', sa.LargeBinary(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_staff_invitations_created_by_id_staff_users')),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_invitations_user_id_staff_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invitations')),
        sa.UniqueConstraint('code_digest', name=op.f('uq_staff_invitations_code_digest')),
    )
    with op.batch_alter_table('staff_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invitations_step_digest'), ['step_digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_invitations_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_invitations_step_digest'))
    op.drop_table('staff_invitations')
