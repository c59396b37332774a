"""Enqueue jobs on RQ when Redis is configured, run them inline otherwise.

The Redis connection is passed in or built from the settings by the caller at start-up;
nothing connects at import time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.config import Settings
from engine.db import Database
from engine.jobs import bound_database

JOB_TIMEOUT = 3600
POLL_SECONDS = 0.5
"""How often a waiting caller asks Redis about the job it waits for."""
ENDED = ("finished", "failed", "stopped", "canceled")
"""The statuses of a job that will not run (again) by itself."""


@dataclass
class JobHandle:
    """What the caller learns about an enqueued job; inline jobs are already finished.

    ``meta`` is what a queued job published of itself so far (RQ's ``job.meta``)."""

    id: str
    status: str
    result: Any = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass(kw_only=True)
class BatchHandle(JobHandle):
    """An ingestion job's handle with the batch it ingests, for whoever follows it."""

    batch_id: int

    @classmethod
    def of(cls, handle: JobHandle, batch_id: int) -> BatchHandle:
        return cls(handle.id, handle.status, handle.result, handle.error, handle.meta,
                   batch_id=batch_id)  # fmt: skip


class JobQueue:
    def __init__(self, db: Database, redis: Any | None = None, name: str = "essaim") -> None:
        self.db = db
        self.redis = redis
        self.name = name
        self._rq_queue: Any = None
        if redis is not None:
            from rq import Queue

            self._rq_queue = Queue(name, connection=redis, default_timeout=JOB_TIMEOUT)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> JobQueue:
        redis = None
        if settings.redis_url:
            from redis import Redis

            redis = Redis.from_url(settings.redis_url)
        return cls(db, redis, settings.queue_name)

    @property
    def is_inline(self) -> bool:
        return self._rq_queue is None

    def enqueue(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> JobHandle:
        if self._rq_queue is None:
            with bound_database(self.db):
                try:
                    return JobHandle("inline", "finished", func(*args, **kwargs))
                except Exception as exc:
                    return JobHandle("inline", "failed", error=str(exc))
        job = self._rq_queue.enqueue(func, *args, **kwargs)
        return JobHandle(job.id, "queued")

    def fetch(self, handle: JobHandle) -> JobHandle:
        """Refresh a queued job's status and result from Redis."""
        if self._rq_queue is None or handle.id == "inline":
            return handle
        from rq.job import Job

        job = Job.fetch(handle.id, connection=self.redis)
        status = str(job.get_status(refresh=True).value)
        error = None
        if status == "failed":
            latest = job.latest_result()
            error = latest.exc_string if latest is not None else "failed"
        return JobHandle(handle.id, status, job.return_value(), error, dict(job.meta))

    def wait(self, handle: JobHandle, seen: Callable[[JobHandle], None] | None = None) -> JobHandle:
        """Poll a job until it ends (inline jobs have); ``seen`` is shown every refresh."""
        while True:
            handle = self.fetch(handle)
            if seen is not None:
                seen(handle)
            if handle.ended:
                return handle
            time.sleep(POLL_SECONDS)
