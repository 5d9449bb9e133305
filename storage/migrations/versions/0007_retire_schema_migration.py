"""Retire `schema_migration`, the version table of the migrations that came before Alembic.

Alembic's `alembic_version` replaces it. Present only in databases made before
Alembic (they are stamped at 0001-0006 first); it held schema versions, never a
runner's data.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS schema_migration")


def downgrade() -> None:
    pass
