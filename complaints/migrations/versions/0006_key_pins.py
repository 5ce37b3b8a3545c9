"""key pins and an anchored audit log: public keys and the audit heads are authenticated by an
HMAC from the server config, and each lead's last witnessed fingerprint is kept

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:10:00.000000

Existing keys have no pin yet: `flask --app wsgi keys pin` (run once by the operator right after
upgrading, with the config in place) pins them, since Alembic does not hold the config's keys.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('org_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin', sa.String(length=64), nullable=True))
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_pin', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('witness_seen', sa.String(length=80), nullable=True))
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    with op.batch_alter_table('reveal_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_ciphertext', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('reference_sealed', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reveal_requests', schema=None) as batch_op:
        batch_op.drop_column('reference_sealed')
        batch_op.drop_column('reference_ciphertext')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('mac')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('witness_seen')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('key_pin')
    with op.batch_alter_table('org_keys', schema=None) as batch_op:
        batch_op.drop_column('pin')
