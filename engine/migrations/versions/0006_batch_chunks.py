"""Uploads kept as ~1 MiB chunks (batch_chunk) instead of one batch.source value; a batch's
content hash, size, row limit and repeated-ids choice; item ids looked up per project; no
foreign keys on the denormalised item.project_id, task.project_id and task.batch_id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Copies of what the parent row already says (a batch belongs to its project, an item to
# its batch), and deletes cascade through batch -> item -> task: these keys only cost a
# check per inserted row (a trigger and a query each on PostgreSQL). (table, column,
# referred table, PostgreSQL's name of the key.)
REDUNDANT_KEYS = (
    ("item", "project_id", "project", "item_project_id_fkey"),
    ("task", "project_id", "project", "task_project_id_fkey"),
    ("task", "batch_id", "batch", "task_batch_id_fkey"),
)


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
    for table, column, _referred, name in REDUNDANT_KEYS:
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_drop_key(table, column)
        else:
            op.drop_constraint(name, table, type_="foreignkey")


def _drop_column(table: str, column: str) -> None:
    """``ALTER TABLE ... DROP COLUMN``, which SQLite has had since 3.35."""
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def _sqlite_drop_key(table: str, column: str) -> None:
    """Remove the foreign key on ``table.column`` from the table's stored definition.

    SQLite has no DROP CONSTRAINT; the table copy it would take instead rewrites the two
    largest tables. Removing a FOREIGN KEY clause changes no stored row, and SQLite
    documents this edit of ``sqlite_schema`` for exactly that ("Making Other Kinds Of
    Table Schema Changes", https://www.sqlite.org/lang_altertable.html).
    """
    clause = re.compile(
        rf",\s*(?:CONSTRAINT\s+\w+\s+)?FOREIGN KEY\s*\(\s*\"?{column}\"?\s*\)"
        r"[^,]*?(?=,|\s*\)\s*$)"
    )
    sql, found = clause.subn("", _sqlite_table_sql(table))
    if found != 1:
        raise RuntimeError(f"{table}: expected one foreign key on {column}, found {found}")
    _sqlite_set_table_sql(table, sql)


def _sqlite_add_key(table: str, column: str, referred: str, name: str) -> None:
    """The inverse of `_sqlite_drop_key`: the FOREIGN KEY clause added back, then checked
    against the rows (deletes cascaded through the batch, so none should point nowhere)."""
    sql = _sqlite_table_sql(table).rstrip()
    if not sql.endswith(")"):
        raise RuntimeError(f"{table}: unexpected table definition")
    named = f"CONSTRAINT {name} " if name == "task_batch_id_fkey" else ""  # as 0004 made it
    key = f"{named}FOREIGN KEY({column}) REFERENCES {referred} (id) ON DELETE CASCADE"
    _sqlite_set_table_sql(table, f"{sql[:-1].rstrip()}, \n\t{key}\n)")
    broken = op.get_bind().exec_driver_sql(f"PRAGMA foreign_key_check({table})").fetchmany(5)
    if broken:
        raise RuntimeError(f"{table}.{column}: rows point at no {referred}: {broken}")


def _sqlite_table_sql(table: str) -> str:
    found = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        .scalar_one()
    )
    return str(found)


def _sqlite_set_table_sql(table: str, sql: str) -> None:
    """Store ``sql`` as the definition of ``table``, in the migration's transaction; the
    schema version goes up so every connection parses the schema again."""
    bind = op.get_bind()
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    bind.exec_driver_sql(f"PRAGMA table_info({table})").fetchall()  # parses it again, or fails


def downgrade() -> None:
    for table, column, referred, name in reversed(REDUNDANT_KEYS):
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_add_key(table, column, referred, name)
        else:
            op.create_foreign_key(name, table, referred, [column], ["id"], ondelete="CASCADE")
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
