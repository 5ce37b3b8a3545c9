"""statistics at scale: covering indexes so that each scan of a fiscal year stays inside one
index, and the clocks' fiscal year so they are counted without a join

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:05:00.000000

The three narrower indexes dropped here are prefixes of the new ones, which serve their queries.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fiscal_year', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE case_clocks SET fiscal_year = (SELECT cases.fiscal_year FROM cases WHERE cases.id = case_clocks.case_id)"
    )
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_case_clocks_stats', ['fiscal_year', 'clock', 'state', 'started_on'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_fiscal_year_category')
        batch_op.drop_index('ix_cases_fiscal_year_submitted')
        batch_op.drop_index('ix_cases_fiscal_year_status')
        batch_op.create_index(
            'ix_cases_stats_dates',
            ['fiscal_year', 'submitted_on', 'status', 'closed_on', 'acknowledged_on'],
            unique=False,
        )
        batch_op.create_index(
            'ix_cases_stats_intake', ['fiscal_year', 'category', 'department', 'channel'], unique=False
        )
        batch_op.create_index(
            'ix_cases_stats_procedure',
            [
                'fiscal_year',
                'status',
                'not_accepted_reason',
                'referred_to',
                'finding',
                'penalty',
                'criminal_body',
                'appeal_result',
                'criminal_referral',
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_stats_procedure')
        batch_op.drop_index('ix_cases_stats_intake')
        batch_op.drop_index('ix_cases_stats_dates')
        batch_op.create_index('ix_cases_fiscal_year_status', ['fiscal_year', 'status'], unique=False)
        batch_op.create_index('ix_cases_fiscal_year_submitted', ['fiscal_year', 'submitted_on'], unique=False)
        batch_op.create_index('ix_cases_fiscal_year_category', ['fiscal_year', 'category'], unique=False)
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_case_clocks_stats')
        batch_op.drop_column('fiscal_year')
