"""Indexes for a reminder claim whose cost follows the runners due, not the table sizes.

- `ix_reminder_pending_due`: `reclaim_pending` reads the pending reminders oldest
  first; a partial index on `due_at WHERE status = 'pending'` holds only those few
  rows, however long the history of sent ones grows. It replaces `ix_reminder_status`
  (every row, five values, touched by every insert and every "sent").
- `ix_reminder_runner_id` goes: the unique key (runner_id, due_at) already serves
  every lookup by runner, and one index fewer makes each claimed reminder cheaper.
- `ix_completed_set_runner_completed` (runner_id, completed_at): the claim's
  "already trained today?" probe reads one runner's latest set in one index step
  instead of every set the runner ever did.

- PostgreSQL only: `schedule` and `reminder` are vacuumed and analysed after a fixed
  number of changed rows instead of a share of the table. Every claim moves each
  claimed schedule's `next_reminder_at`, leaving a dead index entry behind at the old
  instant, before "now", where every later claim's range scan starts; by default
  autovacuum clears them only after 20% of the table has changed (200,000 rows at
  1,000,000 runners), so the entries a claim walks past would grow with the table.
  With a fixed threshold they stay bounded by the runners due since the last vacuum.

Only indexes and table settings change: no row is touched. `schedule.next_reminder_at` (indexed since
0001) stays the stored next-due instant the claim scans.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
# Vacuum and analyse after this many changed (or inserted) rows, whatever the table's size.
AUTOVACUUM = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,"
    " autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000,"
    " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 10000"
)
RESET = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor,"
    " autovacuum_vacuum_insert_threshold, autovacuum_analyze_scale_factor, autovacuum_analyze_threshold"
)


def upgrade() -> None:
    op.drop_index("ix_reminder_status", table_name="reminder")
    op.drop_index("ix_reminder_runner_id", table_name="reminder")
    op.create_index(
        "ix_reminder_pending_due", "reminder", ["due_at"], postgresql_where=PENDING, sqlite_where=PENDING
    )
    op.create_index("ix_completed_set_runner_completed", "completed_set", ["runner_id", "completed_at"])
    if op.get_bind().dialect.name == "postgresql":
        for table in ("schedule", "reminder"):
            op.execute(f"ALTER TABLE {table} SET ({AUTOVACUUM})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("schedule", "reminder"):
            op.execute(f"ALTER TABLE {table} RESET ({RESET})")
    op.drop_index("ix_completed_set_runner_completed", table_name="completed_set")
    op.drop_index("ix_reminder_pending_due", table_name="reminder")
    op.create_index("ix_reminder_runner_id", "reminder", ["runner_id"])
    op.create_index("ix_reminder_status", "reminder", ["status"])
