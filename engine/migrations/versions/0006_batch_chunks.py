"""Uploads kept as ~1 MiB chunks (batch_chunk) instead of one batch.source value; a batch's
content hash, size, row limit and repeated-ids choice; item ids looked up per project

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "batch_chunk",
        sa.Column("batch_id", Id, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "seq"),
    )
    # A pending upload keeps its bytes, now as its one chunk.
    op.execute(
        "INSERT INTO batch_chunk (batch_id, seq, data) "
        "SELECT id, 0, source FROM batch WHERE source IS NOT NULL"
    )
    # Plain ALTER TABLE on SQLite too: batch mode would copy the table, and dropping the old
    # one would delete every item and task through their ON DELETE CASCADE foreign keys.
    op.add_column("batch", sa.Column("content_hash", sa.String(64), nullable=True))
    op.add_column("batch", sa.Column("n_bytes", sa.BigInteger(), nullable=False,
                                     server_default="0"))  # fmt: skip
    op.add_column("batch", sa.Column("max_rows", sa.Integer(), nullable=True))
    op.add_column("batch", sa.Column("allow_repeated_ids", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))  # fmt: skip
    op.add_column("batch", sa.Column("n_repeated_ids", sa.Integer(), nullable=False,
                                     server_default="0"))  # fmt: skip
    _drop_column("batch", "source")
    op.create_index("ix_batch_project_hash", "batch", ["project_id", "content_hash"])
    op.create_index("ix_item_project_external", "item", ["project_id", "external_id"])
    op.drop_index("ix_item_project_id", table_name="item")  # the new index serves it


def _drop_column(table: str, column: str) -> None:
    """``ALTER TABLE ... DROP COLUMN``, which SQLite has had since 3.35."""
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade() -> None:
    op.create_index("ix_item_project_id", "item", ["project_id"])
    op.drop_index("ix_item_project_external", table_name="item")
    op.drop_index("ix_batch_project_hash", table_name="batch")
    op.add_column("batch", sa.Column("source", sa.LargeBinary(), nullable=True))
    for column in ("n_repeated_ids", "allow_repeated_ids", "max_rows", "n_bytes", "content_hash"):
        _drop_column("batch", column)
    # Only a one-chunk pending upload fits back into batch.source.
    op.execute(
        "UPDATE batch SET source = (SELECT data FROM batch_chunk "
        "WHERE batch_chunk.batch_id = batch.id AND batch_chunk.seq = 0)"
    )
    op.drop_table("batch_chunk")
