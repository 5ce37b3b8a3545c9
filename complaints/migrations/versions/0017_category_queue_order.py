"""the queue filtered by category walks its own index in deadline order

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 18:35:00.000000

Without it SQLite plans "category: budget, most urgent first" through the statistics' intake
index, reading and sorting every case of the category (12 ms of a 44 ms page at 100 000 cases);
with it, the page's 26 rows are read in order (under 1 ms).
"""

from __future__ import annotations

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_category_order', 'cases', ['category', 'next_deadline_on', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_category_order', table_name='cases')
