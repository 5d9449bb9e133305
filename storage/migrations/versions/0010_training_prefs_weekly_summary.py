"""training_prefs.weekly_summary and summary_sent_for where a version-6 database lacks them.

The pre-Alembic version 6 (f419b81) created `training_prefs` with runner_id,
auto_advance and rest_seconds; the weekly summary (4993a68) then added two columns to
the model without a migration, and 0006 was written with them. A database made by
that version-6 code is stamped at 0006 (storage.migrations.migrate), so 0006 never
adds them, and every weekly-summary query failed on it. This revision adds whichever
is missing (existing rows: summary off, never sent) and changes nothing elsewhere.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("training_prefs")}
    if {"weekly_summary", "summary_sent_for"} <= columns:
        return
    with op.batch_alter_table("training_prefs") as batch:
        if "weekly_summary" not in columns:
            # A server default fills the rows already there; it is dropped below, so the
            # table ends exactly as 0006 makes it on a fresh database.
            batch.add_column(sa.Column("weekly_summary", sa.Boolean(), nullable=False, server_default=sa.false()))
        if "summary_sent_for" not in columns:
            batch.add_column(sa.Column("summary_sent_for", sa.Date(), nullable=True))
    if "weekly_summary" not in columns:
        with op.batch_alter_table("training_prefs") as batch:
            batch.alter_column("weekly_summary", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    pass  # 0006 declares both columns: nothing to take back
