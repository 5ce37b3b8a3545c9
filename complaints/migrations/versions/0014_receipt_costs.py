"""receipt stretch cost per case: the Argon2id memory and passes a case's receipt was stretched with

Cases filed before this revision keep NULL: their cost was not recorded, and the follow-up log-in
stretches their receipts with the legacy cost from the configuration (RECEIPT_ARGON2_LEGACY_*,
19 MiB and 2 passes unless the deployment had raised them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite 3.35+ drops a plain column in place): a batch
# rebuild of `cases` on SQLite would drop the table, and with it, by ON DELETE CASCADE, every row
# that names a case.


def upgrade() -> None:
    op.add_column('cases', sa.Column('receipt_memory_kib', sa.Integer(), nullable=True))
    op.add_column('cases', sa.Column('receipt_iterations', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('cases', 'receipt_iterations')
    op.drop_column('cases', 'receipt_memory_kib')
