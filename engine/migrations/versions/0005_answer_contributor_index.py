"""Drop ix_answer_contributor_id: ix_answer_contributor (contributor_id, id) serves every
lookup it served, and each answer paid for both

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_answer_contributor_id", table_name="answer")


def downgrade() -> None:
    op.create_index("ix_answer_contributor_id", "answer", ["contributor_id"])
