"""queue indexes: urgency order, per-status counts by fiscal year and by assignee

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
    op.create_index('ix_cases_assignee_status', 'cases', ['assigned_to_id', 'status'], unique=False)
    # The composite index above leads with assigned_to_id, so the single-column one is redundant.
    op.drop_index('ix_cases_assigned_to_id', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_assigned_to_id', 'cases', ['assigned_to_id'], unique=False)
    op.drop_index('ix_cases_assignee_status', table_name='cases')
    op.drop_index('ix_cases_fiscal_year_status', table_name='cases')
    op.drop_index('ix_cases_queue_order', table_name='cases')
