"""on PostgreSQL the status counts are brought up to date at commit, not at each row's change

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:00:00.000000

A new case's insert locked the "received" count row until its transaction ended, so every
submission waited for the one before it from its first insert to its commit. As a deferred
constraint trigger the same function runs when the transaction commits: the row is locked for
the commit alone, and the counts still change in the same transaction as the cases. SQLite takes
one write lock per transaction anyway and has no deferred triggers: its triggers stay.
"""

from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

DEFERRED_TRIGGER = """
CREATE CONSTRAINT TRIGGER cases_status_counts AFTER INSERT OR DELETE OR UPDATE OF status ON cases
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION case_status_counts_follow()
"""
IMMEDIATE_TRIGGER = """
CREATE TRIGGER cases_status_counts AFTER INSERT OR DELETE OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION case_status_counts_follow()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER cases_status_counts ON cases')
        op.execute(DEFERRED_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER cases_status_counts ON cases')
        op.execute(IMMEDIATE_TRIGGER)
