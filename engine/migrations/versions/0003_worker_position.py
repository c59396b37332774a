"""worker_skill: where each contributor's look for the next task starts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("worker_skill") as table:
        table.add_column(sa.Column("last_item", Id, nullable=True))
        table.add_column(sa.Column("last_position", sa.Integer(), nullable=True))
        table.add_column(sa.Column("last_task", Id, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worker_skill") as table:
        table.drop_column("last_task")
        table.drop_column("last_position")
        table.drop_column("last_item")
