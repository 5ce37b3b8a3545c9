"""queue indexes: urgency order and per-status counts by fiscal year

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:00:00
"""

from __future__ import annotations

from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_queue_order', 'cases', ['next_deadline_on', 'id'], unique=False)
    op.create_index('ix_cases_fiscal_year_status', 'cases', ['fiscal_year', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_fiscal_year_status', table_name='cases')
    op.drop_index('ix_cases_queue_order', table_name='cases')
