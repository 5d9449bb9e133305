"""The initial schema: exactly what the versioned migrations before Alembic called version 1.

A database made by them is stamped at this revision instead of running it
(storage.migrations.migrate). Plain SQLAlchemy types, not the models' own, so that
this file keeps describing version 1 whatever the models become.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("completed_set", "workout_session", "schedule", "runner", "reminder", "processed_update")


def upgrade() -> None:
    op.create_table(
        'processed_update',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('processed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('update_id')
    )
    op.create_index('ix_processed_update_processed_at', 'processed_update', ['processed_at'])
    op.create_table(
        'reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('runner_id', sa.BigInteger(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('runner_id', 'due_at', name='uq_reminder_runner_due')
    )
    op.create_index('ix_reminder_runner_id', 'reminder', ['runner_id'])
    op.create_index('ix_reminder_status', 'reminder', ['status'])
    op.create_table(
        'runner',
        sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('first_name', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('pending_input', sa.String(), nullable=True),
        sa.Column('blocked', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_table(
        'schedule',
        sa.Column('runner_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('days_mask', sa.Integer(), nullable=False),
        sa.Column('local_time', sa.String(), nullable=False),
        sa.Column('zone', sa.String(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('paused', sa.Boolean(), nullable=False),
        sa.Column('next_reminder_at', sa.DateTime(), nullable=True),
        sa.Column('snooze_until', sa.DateTime(), nullable=True),
        sa.Column('skip_date', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('runner_id')
    )
    op.create_index('ix_schedule_next_reminder_at', 'schedule', ['next_reminder_at'])
    op.create_index('ix_schedule_snooze_until', 'schedule', ['snooze_until'])
    op.create_table(
        'workout_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('runner_id', sa.BigInteger(), nullable=False),
        sa.Column('routine_id', sa.String(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('sets_done', sa.Integer(), nullable=False),
        sa.Column('sets_skipped', sa.Integer(), nullable=False),
        sa.Column('skipped_mask', sa.BigInteger(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(), nullable=False),
        sa.Column('timer_started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('prompt_message_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_workout_session_last_activity_at', 'workout_session', ['last_activity_at'])
    op.create_index('ix_workout_session_runner_id', 'workout_session', ['runner_id'])
    op.create_index('ix_workout_session_status', 'workout_session', ['status'])
    op.create_table(
        'completed_set',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('runner_id', sa.BigInteger(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('routine_id', sa.String(), nullable=False),
        sa.Column('exercise_id', sa.String(), nullable=False),
        sa.Column('set_no', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('amount', sa.String(), nullable=False),
        sa.Column('load_amount', sa.Float(), nullable=True),
        sa.Column('load_unit', sa.String(), nullable=True),
        sa.Column('completed_at', sa.DateTime(), nullable=False),
        sa.Column('update_id', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['session_id'], ['workout_session.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', 'position', name='uq_completed_set_session_position'),
        sa.UniqueConstraint('update_id', name='uq_completed_set_update_id')
    )
    op.create_index('ix_completed_set_exercise_id', 'completed_set', ['exercise_id'])
    op.create_index('ix_completed_set_runner_id', 'completed_set', ['runner_id'])
    op.create_index('ix_completed_set_session_id', 'completed_set', ['session_id'])


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
