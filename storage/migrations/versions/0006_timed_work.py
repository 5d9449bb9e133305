"""Timed work: workout_session.timer_seconds (the hold the runner picked) and training_prefs.

What the versioned migrations before Alembic called version 6. A database made by
them at version 6 is stamped at this revision; older ones run it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workout_session") as batch:
        batch.add_column(sa.Column("timer_seconds", sa.Integer(), nullable=True))
    op.create_table(
        "training_prefs",
        sa.Column("runner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("auto_advance", sa.Boolean(), nullable=False),
        sa.Column("rest_seconds", sa.Integer(), nullable=True),
        sa.Column("weekly_summary", sa.Boolean(), nullable=False),
        sa.Column("summary_sent_for", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("runner_id"),
    )


def downgrade() -> None:
    op.drop_table("training_prefs")
    with op.batch_alter_table("workout_session") as batch:
        batch.drop_column("timer_seconds")
