"""the queue's counts per status from a dozen rows kept by triggers, not from 100 000 cases

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:00:00.000000

case_status_counts holds one row per status with the number of cases in it. Triggers on cases
keep it in the same transaction as every insert, delete and change of status, whatever code (or
person at a database prompt) makes it. A change of status locks both rows in the order of their
names, so two opposite changes cannot deadlock each other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

STATUSES = (
    'received', 'screening', 'awaiting_information', 'referred', 'not_accepted', 'fact_finding',
    'unfounded', 'disciplinary_investigation', 'penalty_consideration', 'penalty_ordered', 'appeal',
    'concluded',
)

POSTGRES_FUNCTION = """
CREATE FUNCTION case_status_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status IS NOT DISTINCT FROM NEW.status THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM case_status_counts WHERE status IN (OLD.status, NEW.status)
            ORDER BY status FOR UPDATE;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE case_status_counts SET cases = cases - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO case_status_counts (status, cases) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET cases = case_status_counts.cases + 1;
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER cases_status_counts AFTER INSERT OR DELETE OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION case_status_counts_follow()
"""
SQLITE_ADD = (
    "INSERT INTO case_status_counts (status, cases) VALUES (NEW.status, 1) "
    "ON CONFLICT (status) DO UPDATE SET cases = cases + 1;"
)
SQLITE_REMOVE = "UPDATE case_status_counts SET cases = cases - 1 WHERE status = OLD.status;"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER cases_status_counts_insert AFTER INSERT ON cases BEGIN {SQLITE_ADD} END",
    f"CREATE TRIGGER cases_status_counts_delete AFTER DELETE ON cases BEGIN {SQLITE_REMOVE} END",
    "CREATE TRIGGER cases_status_counts_update AFTER UPDATE OF status ON cases "
    f"WHEN OLD.status IS NOT NEW.status BEGIN {SQLITE_REMOVE} {SQLITE_ADD} END",
)


def upgrade() -> None:
    op.create_table(
        'case_status_counts',
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('status', name=op.f('pk_case_status_counts')),
    )
    # Every known status has its row, so a change of status only ever updates rows it can lock.
    for status in STATUSES:
        op.execute(sa.text("INSERT INTO case_status_counts (status, cases) VALUES (:status, 0)").bindparams(status=status))
    op.execute(
        "UPDATE case_status_counts SET cases = "
        "(SELECT count(*) FROM cases WHERE cases.status = case_status_counts.status)"
    )
    op.execute(
        "INSERT INTO case_status_counts (status, cases) SELECT status, count(*) FROM cases "
        "WHERE status NOT IN (SELECT status FROM case_status_counts) GROUP BY status"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER cases_status_counts ON cases')
        op.execute('DROP FUNCTION case_status_counts_follow()')
    else:
        for name in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER cases_status_counts_{name}')
    op.drop_table('case_status_counts')
