"""queue at 100 000 cases: the counts per status are read from one covering index whatever the
filter (category, department, fiscal year, assignee, deadline band), never from the table rows

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00.000000

ix_cases_status_deadline keeps its name and its leading columns (status, next_deadline_on), so
what used it before still does; the queue's filter columns are added after them. The statistics'
intake index gains the status, so a category count within one fiscal year stays in it too.
"""

from __future__ import annotations

from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

QUEUE_COUNTS = ['status', 'next_deadline_on', 'category', 'department', 'fiscal_year', 'assigned_to_id']
INTAKE = ['fiscal_year', 'category', 'department', 'channel']


def upgrade() -> None:
    op.drop_index('ix_cases_status_deadline', table_name='cases')
    op.create_index('ix_cases_status_deadline', 'cases', QUEUE_COUNTS, unique=False)
    op.drop_index('ix_cases_stats_intake', table_name='cases')
    op.create_index('ix_cases_stats_intake', 'cases', [*INTAKE, 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_stats_intake', table_name='cases')
    op.create_index('ix_cases_stats_intake', 'cases', INTAKE, unique=False)
    op.drop_index('ix_cases_status_deadline', table_name='cases')
    op.create_index('ix_cases_status_deadline', 'cases', ['status', 'next_deadline_on'], unique=False)
