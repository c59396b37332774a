"""Enqueue jobs on RQ when Redis is configured, run them inline otherwise.

The Redis connection is passed in or built from the settings by the caller at start-up;
nothing connects at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.config import Settings
from engine.db import Database
from engine.jobs import bound_database

JOB_TIMEOUT = 3600


@dataclass
class JobHandle:
    """What the caller learns about an enqueued job; inline jobs are already finished."""

    id: str
    status: str
    result: Any = None
    error: str | None = None


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
        return JobHandle(handle.id, status, job.return_value(), error)
