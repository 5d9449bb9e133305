"""The skipped_set table: skipped sets and their reasons, for /history.

What the versioned migrations before Alembic called version 2. A database made by
them at version 2 is stamped at this revision; one at version 1 runs it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "skipped_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runner_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("routine_id", sa.String(), nullable=False),
        sa.Column("exercise_id", sa.String(), nullable=False),
        sa.Column("set_no", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("skipped_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["workout_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "position", name="uq_skipped_set_session_position"),
    )
    op.create_index("ix_skipped_set_runner_id", "skipped_set", ["runner_id"])
    op.create_index("ix_skipped_set_session_id", "skipped_set", ["session_id"])


def downgrade() -> None:
    op.drop_table("skipped_set")
