"""The data model (SQLAlchemy 2 typed declarative).

Counters on `Task` (``n_answers``, ``n_leased``) are denormalised on purpose: the scheduler
decides "answers + live leases < target" on the locked task row itself, which is what makes
``FOR UPDATE SKIP LOCKED`` correct without counting assignments on every request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from engine.statuses import AssignmentStatus, BatchStatus, ProjectState, TaskStatus

Id = BigInteger().with_variant(Integer(), "sqlite")


class JSONValue(TypeDecorator[Any]):
    """JSON, stored as JSONB on PostgreSQL: ``JSON().with_variant(JSONB(), "postgresql")``
    without importing the PostgreSQL dialect with the models.

    That import (with the asyncpg driver module it pulls) is a twentieth of a short command
    on SQLite, such as ``essaim status``; on PostgreSQL the driver imports it anyway. Only
    the type's choice is deferred: the bind and result processing are those of the type
    chosen for the dialect, as with a variant.
    """

    impl = JSON
    cache_ok = True
    # What `JSON` says of itself, which a decorator does not pass on: store None as JSON
    # ``null`` (not SQL NULL, so ``value IS NULL`` finds no answer), and rows holding JSON
    # cannot be hashed.
    should_evaluate_none = True
    hashable = False

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = JSONValue()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONType, datetime: UTCDateTime()}  # noqa: RUF012


class Contributor(Base):
    """One person, whatever platforms they use; personal data lives here and in `Identity`."""

    __tablename__ = "contributor"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    # No foreign key: project → contributor (owner) already exists and a cycle breaks DDL order.
    current_project_id: Mapped[int | None] = mapped_column(Id)
    notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    forgotten: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Identity(Base):
    """(platform, external id) → contributor: one history across Telegram, Discord, imports."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_identity"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    contributor_id: Mapped[int] = mapped_column(
        ForeignKey("contributor.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleGrant(Base):
    """A role beyond contributor; ``project_id`` NULL means on every project."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("contributor_id", "role", "project_id", name="uq_role"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contributor_id: Mapped[int] = mapped_column(
        ForeignKey("contributor.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    instructions: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    overlap_min: Mapped[int] = mapped_column(Integer, default=3)
    overlap_max: Mapped[int] = mapped_column(Integer, default=5)
    confidence: Mapped[float] = mapped_column(Float, default=0.9)
    gold_rate: Mapped[float] = mapped_column(Float, default=0.0)
    lease_seconds: Mapped[int] = mapped_column(Integer, default=600)
    min_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    points: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=ProjectState.ACTIVE)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("contributor.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Batch(Base):
    """One upload; its raw bytes stay in `BatchChunk` rows until ingested, so any worker
    process can read them. ``content_hash`` (SHA-256 of the bytes) finds a file uploaded twice."""

    __tablename__ = "batch"
    __table_args__ = (Index("ix_batch_project_hash", "project_id", "content_hash"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(32))  # the one used (forced or detected)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    n_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    max_rows: Mapped[int | None] = mapped_column(Integer)
    allow_repeated_ids: Mapped[bool] = mapped_column(Boolean, default=False)
    n_repeated_ids: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    n_items: Mapped[int] = mapped_column(Integer, default=0)
    n_tasks: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("contributor.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class BatchChunk(Base):
    """About a mebibyte of an upload's bytes, in order; deleted once the batch is ingested."""

    __tablename__ = "batch_chunk"
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batch.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Item(Base):
    """One source unit (a row, a document); keeps the requester's own id for every export."""

    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("batch_id", "external_id", name="uq_item_external"),
        # An upload's ids repeating ids of the project's earlier batches: one probe per id.
        Index("ix_item_project_external", "project_id", "external_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The batch's project, copied without a foreign key: the batch already belongs to it
    # and deletes cascade through the batch; a key would cost a check per inserted row.
    project_id: Mapped[int] = mapped_column(Id)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    line: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        # Matches the scheduler's ORDER BY so the first free task is found without sorting.
        Index(
            "ix_task_schedule",
            "project_id",
            "status",
            "is_gold",
            text("priority DESC"),
            "item_id",
            "position",
            "id",
        ),
        # "Is any task of this batch still undecided?" after each completion: one probe.
        Index("ix_task_batch_status", "batch_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # Copies of the item's project and batch, so scheduling and the batch's state need no
    # join; no foreign keys (see `Item.project_id`): deletes cascade through the item.
    project_id: Mapped[int] = mapped_column(Id)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(Id)
    parent_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(16), default="answer")
    round: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    gold_answer: Mapped[Any | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    target: Mapped[int] = mapped_column(Integer, default=1)
    n_answers: Mapped[int] = mapped_column(Integer, default=0)
    n_leased: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class Assignment(Base):
    """A lease of one task to one contributor; the pair is unique: never the same task twice."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("task_id", "contributor_id", name="uq_assignment_pair"),
        Index("ix_assignment_live", "status", "expires_at"),
        Index("ix_assignment_contributor", "contributor_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributor.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.LEASED)
    leased_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class Answer(Base):
    """One answer; unique per assignment, so a double tap or a re-delivered update stores one."""

    __tablename__ = "answer"
    __table_args__ = (
        Index("ix_answer_task", "task_id"),
        # A contributor's latest answers (the spam rules look at the last 30).
        Index("ix_answer_contributor", "contributor_id", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), unique=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    contributor_id: Mapped[int] = mapped_column(  # indexed by ix_answer_contributor
        ForeignKey("contributor.id", ondelete="CASCADE")
    )
    value: Mapped[Any] = mapped_column(JSONType)
    key: Mapped[str] = mapped_column(Text)
    seconds: Mapped[float | None] = mapped_column(Float)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Result(Base):
    __tablename__ = "result"
    task_id: Mapped[int] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[Any | None] = mapped_column(JSONType)
    key: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    agreement: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(32))
    n_answers: Mapped[int] = mapped_column(Integer, default=0)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("contributor.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerSkill(Base):
    __tablename__ = "worker_skill"
    contributor_id: Mapped[int] = mapped_column(
        ForeignKey("contributor.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    n_answers: Mapped[int] = mapped_column(Integer, default=0)
    gold_seen: Mapped[int] = mapped_column(Integer, default=0)
    gold_correct: Mapped[int] = mapped_column(Integer, default=0)
    accuracy: Mapped[float | None] = mapped_column(Float)
    ds_skill: Mapped[float | None] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer, default=0)
    agreed: Mapped[int] = mapped_column(Integer, default=0)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_reason: Mapped[str | None] = mapped_column(String(64))
    # The last task answered in the scheduler's order (item, position, id): the look for
    # this contributor's next task starts past it, so it never walks the tasks they answered.
    last_item: Mapped[int | None] = mapped_column(Id)
    last_position: Mapped[int | None] = mapped_column(Integer)
    last_task: Mapped[int | None] = mapped_column(Id)


class LinkCode(Base):
    """A one-time code that attaches another platform identity to this contributor."""

    __tablename__ = "link_code"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    contributor_id: Mapped[int] = mapped_column(
        ForeignKey("contributor.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column()


class TaskReport(Base):
    """ "Report a problem" on a task: kept for moderators, never shown to other contributors."""

    __tablename__ = "task_report"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    contributor_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributor.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outbox(Base):
    """Messages owed to a person on one platform; any bot process of that platform sends them.

    Written in the same transaction as what they announce (a batch ingested or completed),
    so they are never lost, and taken with ``SKIP LOCKED`` so two processes never both send.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_platform", "platform", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Append-only audit log of decisions: reviews, bans, role grants, deletions."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("contributor.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


ASSIGNMENT_TABLE = cast(Table, Assignment.__table__)
ANSWER_TABLE = cast(Table, Answer.__table__)
TASK_TABLE = cast(Table, Task.__table__)
RESULT_TABLE = cast(Table, Result.__table__)
"""Core tables for the hot path's inserts, which need none of the ORM's bookkeeping."""
