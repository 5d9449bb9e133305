"""The reminder_sender row: since when reminder ticks have run without a break.

A backlog that outlasts the grace window is then sent late instead of dropped
(docs/reminders.md). Starts empty: the first tick writes it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_since", sa.DateTime(), nullable=False),
        sa.Column("last_tick_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("reminder_sender")
