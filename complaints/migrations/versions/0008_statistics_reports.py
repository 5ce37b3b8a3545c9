"""statistics reports: the analysis, corrective measures and signatories of the six- and
twelve-month reports the executive signs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'statistics_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('analysis', sa.Text(), nullable=False),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('prepared_by_name', sa.String(length=120), nullable=False),
        sa.Column('prepared_by_position', sa.String(length=120), nullable=False),
        sa.Column('signer_name', sa.String(length=120), nullable=False),
        sa.Column('signer_position', sa.String(length=120), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff_users.id'], name=op.f('fk_statistics_reports_updated_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_reports')),
        sa.UniqueConstraint('fiscal_year', 'period', name='uq_statistics_reports_year_period'),
    )


def downgrade() -> None:
    op.drop_table('statistics_reports')
