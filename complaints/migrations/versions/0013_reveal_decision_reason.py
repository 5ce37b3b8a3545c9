"""reveal decisions keep their reason code on the request (copied from the audit entries before)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

DECISION_ACTIONS = ('identity_reveal_approved', 'identity_reveal_declined')


def _reasons_from_the_audit_log(connection: sa.Connection) -> dict[int, str]:
    """``request=<id> because=<code>`` of each decision entry recorded before the column."""
    events = sa.table('audit_events', sa.column('action', sa.String), sa.column('detail', sa.String))
    found: dict[int, str] = {}
    rows = connection.execute(sa.select(events.c.detail).where(events.c.action.in_(DECISION_ACTIONS)))
    for (detail,) in rows:
        fields = dict(part.split('=', 1) for part in str(detail).split() if '=' in part)
        if fields.get('request', '').isdigit() and fields.get('because'):
            found[int(fields['request'])] = fields['because'][:40]
    return found


def upgrade() -> None:
    with op.batch_alter_table('reveal_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_reason', sa.String(length=40), nullable=True))
    requests = sa.table('reveal_requests', sa.column('id', sa.Integer), sa.column('decision_reason', sa.String))
    connection = op.get_bind()
    for request_id, reason in _reasons_from_the_audit_log(connection).items():
        connection.execute(
            sa.update(requests).where(requests.c.id == request_id).values(decision_reason=reason)
        )


def downgrade() -> None:
    with op.batch_alter_table('reveal_requests', schema=None) as batch_op:
        batch_op.drop_column('decision_reason')
