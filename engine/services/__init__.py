"""The use cases: plain functions that own their transaction and return plain dataclasses.

Bots and the CLI call only these. Each takes the `Database` first, explicitly, and runs its
writes through `Database.run`: one transaction, a `engine.unit_of_work.Work` that writes the
per-worker counters in a fixed order right before the commit, retried after a deadlock.

The path of one answer, a button pressed on Telegram, in five files:

1. ``bots/telegram/handlers.py``: the update becomes a `Chat.press` call;
2. ``bots/core/contributing.py``: the press becomes `Essaim.answer` (who pressed it, then
   `submit_answer`; one transaction on PostgreSQL), its result a reply;
3. ``engine/services/answers.py``: one `Work`, in named steps: load, check, record, decide,
   apply, offer next;
4. ``engine/services/decision.py``: the stopping rule's plan for the task, a pure function;
5. ``engine/services/storing.py``: the statements that write it, as few round trips as each
   database allows (the reads are in ``rows.py``, the plan's writer `completion.apply`).

Names load on first use (PEP 562 ``__getattr__``): ``essaim status`` then imports the
reporting module alone, not the scheduler, the stopping rule and numpy behind
``submit_answer``. ``from engine.services import X`` and ``services.X`` work as before;
the imports under ``TYPE_CHECKING`` give type checkers the same names.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.services.answers import submit_answer
    from engine.services.assignments import (
        next_task,
        offer_of,
        release_expired_leases,
        report_task,
        skip_task,
    )
    from engine.services.batches import batch_report, ingest_batch, upload_batch
    from engine.services.contributors import (
        forget_contributor,
        get_contributor,
        grant_role,
        identify,
        identities_of,
        join_project,
        set_language,
        set_notifications,
    )
    from engine.services.importing import import_answers
    from engine.services.linking import create_link_code, redeem_link_code
    from engine.services.outbox import take_notices
    from engine.services.projects import (
        create_project,
        get_project,
        list_projects,
        set_project_status,
    )
    from engine.services.reporting import (
        contributor_stats,
        export_answers,
        export_items,
        leaderboard,
        project_status,
    )
    from engine.services.review import resolve_review, review_item, review_queue
    from engine.services.sweeping import sweep

_MODULES: dict[str, tuple[str, ...]] = {
    "answers": ("submit_answer",),
    "assignments": ("next_task", "offer_of", "release_expired_leases", "report_task", "skip_task"),
    "batches": ("batch_report", "ingest_batch", "upload_batch"),
    "contributors": (
        "forget_contributor",
        "get_contributor",
        "grant_role",
        "identify",
        "identities_of",
        "join_project",
        "set_language",
        "set_notifications",
    ),
    "importing": ("import_answers",),
    "linking": ("create_link_code", "redeem_link_code"),
    "outbox": ("take_notices",),
    "projects": ("create_project", "get_project", "list_projects", "set_project_status"),
    "reporting": (
        "contributor_stats",
        "export_answers",
        "export_items",
        "leaderboard",
        "project_status",
    ),
    "review": ("resolve_review", "review_item", "review_queue"),
    "sweeping": ("sweep",),
}
"""Each public name's module under ``engine.services`` (a test checks it against `__all__`
and the modules)."""

_HOME = {name: module for module, names in _MODULES.items() for name in names}

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

if not TYPE_CHECKING:  # type checkers see the imports above; a typo stays an error for them

    def __getattr__(name: str) -> Any:
        """Import the module of a public name on first use and keep the name here."""
        module = _HOME.get(name)
        if module is None:
            # An AttributeError lets ``from engine.services import dto`` import the submodule.
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_HOME))
