"""task.batch_id: a batch's undecided tasks found with one index probe; a contributor's
latest answers by index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # On SQLite this copies `task` and drops the old table: safe only with foreign keys off
    # (`engine.migrate.upgrade`), else the drop cascades to every assignment and answer.
    with op.batch_alter_table("task") as table:
        table.add_column(sa.Column("batch_id", Id, nullable=True))
        table.create_foreign_key(
            "task_batch_id_fkey", "batch", ["batch_id"], ["id"], ondelete="CASCADE"
        )
    op.execute(
        "UPDATE task SET batch_id = (SELECT item.batch_id FROM item WHERE item.id = task.item_id)"
    )
    with op.batch_alter_table("task") as table:  # every task has an item, and so a batch
        table.alter_column("batch_id", existing_type=Id, nullable=False)
    op.create_index("ix_task_batch_status", "task", ["batch_id", "status"])
    op.create_index("ix_answer_contributor", "answer", ["contributor_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_answer_contributor", table_name="answer")
    op.drop_index("ix_task_batch_status", table_name="task")
    with op.batch_alter_table("task") as table:
        table.drop_constraint("task_batch_id_fkey", type_="foreignkey")
        table.drop_column("batch_id")
