"""The use cases: plain functions that own their transaction and return plain dataclasses.

Bots and the CLI call only these. Each takes the `Database` first, explicitly.
"""

from engine.services.answers import submit_answer
from engine.services.assignments import next_task, offer_of, release_expired_leases, skip_task
from engine.services.batches import batch_report, ingest_batch, upload_batch
from engine.services.contributors import (
    forget_contributor,
    get_contributor,
    grant_role,
    identify,
    join_project,
    set_language,
    set_notifications,
)
from engine.services.importing import import_answers
from engine.services.linking import create_link_code, redeem_link_code
from engine.services.notices import identities_of, report_task
from engine.services.outbox import take_notices
from engine.services.projects import create_project, get_project, list_projects, set_project_status
from engine.services.reporting import (
    contributor_stats,
    export_answers,
    export_items,
    leaderboard,
    project_status,
)
from engine.services.review import resolve_review, review_item, review_queue
from engine.services.sweeping import sweep

__all__ = [
    "batch_report",
    "contributor_stats",
    "create_link_code",
    "create_project",
    "export_answers",
    "export_items",
    "forget_contributor",
    "get_contributor",
    "get_project",
    "grant_role",
    "identify",
    "identities_of",
    "import_answers",
    "ingest_batch",
    "join_project",
    "leaderboard",
    "list_projects",
    "next_task",
    "offer_of",
    "project_status",
    "redeem_link_code",
    "release_expired_leases",
    "report_task",
    "resolve_review",
    "review_item",
    "review_queue",
    "set_language",
    "set_notifications",
    "set_project_status",
    "skip_task",
    "submit_answer",
    "sweep",
    "take_notices",
    "upload_batch",
]
