"""measure 8 in full: clocks, sealed step details, reference lookup, result codes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:30:00.000000
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CASE_CODES = (
    'close_reason', 'referral_result', 'finding', 'severity_found', 'original_penalty',
    'appeal_result', 'nacc_finding', 'criminal_body', 'criminal_outcome',
)
# Defaults of DEADLINE_DAYS when this migration was written: the backfill needs plain numbers.
FIRST_FEEDBACK, PROGRESS, FINAL, ACKNOWLEDGE = 15, 30, 90, 7
STAGE_CLOCKS = {'fact_finding': 60, 'disciplinary_investigation': 180, 'penalty_consideration': 30}
COMPLETED = ('concluded', 'not_accepted', 'referred')


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name in CASE_CODES:
            batch_op.add_column(sa.Column(name, sa.String(length=40), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_routed_status', ['routed_outside', 'status'], unique=False)
    with op.batch_alter_table('procedure_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('codes_json', sa.Text(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('extra_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('details_ciphertext', sa.LargeBinary(), nullable=True))
    op.create_table('case_clocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('clock', sa.String(length=40), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_clocks_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_clocks'))
    )
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_clocks_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_case_clocks_state_due', ['state', 'due_on'], unique=False)
    op.create_table('case_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_references_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_references')),
    sa.UniqueConstraint('digest', 'case_id', name='uq_case_references_digest_case')
    )
    with op.batch_alter_table('case_references', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_references_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_references_digest'), ['digest'], unique=False)
    op.create_table('protection_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('from_on', sa.Date(), nullable=False),
    sa.Column('until_on', sa.Date(), nullable=True),
    sa.Column('reference_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_protection_records_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_users.id'], name=op.f('fk_protection_records_recorded_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protection_records')),
    sa.UniqueConstraint('uid', name=op.f('uq_protection_records_uid'))
    )
    with op.batch_alter_table('protection_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protection_records_case_id'), ['case_id'], unique=False)
    op.create_table('protection_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('subject_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('answer', sa.String(length=40), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('reference_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('records_seen', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_protection_checks_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff_users.id'], name=op.f('fk_protection_checks_requested_by_id_staff_users')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_users.id'], name=op.f('fk_protection_checks_answered_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protection_checks')),
    sa.UniqueConstraint('uid', name=op.f('uq_protection_checks_uid'))
    )
    with op.batch_alter_table('protection_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protection_checks_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_protection_checks_pending', ['answer', 'requested_on'], unique=False)
    _backfill_clocks()


def _clock(case_id: int, clock: str, started: date, days: int, ended: date | None) -> dict[str, object]:
    due = started + timedelta(days=days)
    state = 'running' if ended is None else ('met' if ended <= due else 'missed')
    return {'case_id': case_id, 'clock': clock, 'started_on': started, 'due_on': due, 'ended_on': ended, 'state': state}


def _backfill_clocks() -> None:
    """Clocks for cases filed before clocks existed, from their plaintext dates and status."""
    connection = op.get_bind()
    clocks = sa.table(
        'case_clocks',
        *(sa.column(name) for name in ('case_id', 'clock', 'started_on', 'due_on', 'ended_on', 'state')),
    )
    rows = connection.execute(sa.text(
        'SELECT id, status, submitted_on, acknowledged_on, last_feedback_on, closed_on FROM cases'
    )).all()
    for case_id, status, submitted, acknowledged, feedback, closed in rows:
        submitted, acknowledged, feedback, closed = (
            date.fromisoformat(value) if isinstance(value, str) else value
            for value in (submitted, acknowledged, feedback, closed)
        )
        done = closed if status in COMPLETED else None
        new = [
            _clock(case_id, 'acknowledge', submitted, ACKNOWLEDGE, acknowledged or done),
            _clock(case_id, 'first_feedback', submitted, FIRST_FEEDBACK, feedback or done),
            _clock(case_id, 'final_feedback', submitted, FINAL, done),
        ]
        if feedback is not None and done is None:
            new.append(_clock(case_id, 'progress_feedback', feedback, PROGRESS, None))
        if status in STAGE_CLOCKS:
            clock = 'penalty_after_finding' if status == 'penalty_consideration' else status
            if clock != 'penalty_after_finding':
                new.append(_clock(case_id, clock, submitted, STAGE_CLOCKS[status], None))
        connection.execute(clocks.insert(), new)


def downgrade() -> None:
    with op.batch_alter_table('protection_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_protection_checks_pending')
        batch_op.drop_index(batch_op.f('ix_protection_checks_case_id'))
    op.drop_table('protection_checks')
    with op.batch_alter_table('protection_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protection_records_case_id'))
    op.drop_table('protection_records')
    with op.batch_alter_table('case_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_references_digest'))
        batch_op.drop_index(batch_op.f('ix_case_references_case_id'))
    op.drop_table('case_references')
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_case_clocks_state_due')
        batch_op.drop_index(batch_op.f('ix_case_clocks_case_id'))
    op.drop_table('case_clocks')
    with op.batch_alter_table('procedure_events', schema=None) as batch_op:
        batch_op.drop_column('details_ciphertext')
        batch_op.drop_column('extra_on')
        batch_op.drop_column('codes_json')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_routed_status')
        for name in CASE_CODES:
            batch_op.drop_column(name)
