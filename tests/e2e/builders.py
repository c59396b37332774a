"""Builders every end-to-end test shares, whatever the chat platform.

An engine on SQLite in ``tmp_path`` with inline jobs, projects created through the services
with one batch added through the engine, and the filling of recorded JSON payload templates.
Each platform's harness adds its own people and recorders (`tests.e2e.discord.dc_harness`,
`tests.e2e.telegram.tg_harness`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine import services
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.config import load_settings
from engine.spec import parse_spec


def engine(tmp_path: Path, **settings: Any) -> Essaim:
    """The real engine on a fresh SQLite file, jobs run inline (no Redis)."""
    return Essaim.from_settings(
        load_settings(database_url=f"sqlite:///{tmp_path}/e.db", redis_url=None, **settings)
    )


def make_project(essaim: Essaim, spec: dict[str, Any], filename: str, data: bytes) -> None:
    """A project through the services and one batch through the engine (inline job)."""
    services.create_project(essaim.db, parse_spec(spec), actor_id=OPERATOR)
    handle = essaim.add_batch(spec["slug"], filename, data, actor_id=OPERATOR)
    assert handle.status == "finished" and handle.result["status"] == "open", handle


def mood_spec(name: str = "Mood of comments", *, overlap: int = 2) -> dict[str, Any]:
    """A labeling project "mood" (positive, negative, neutral), ``overlap`` answers a task."""
    return {
        "name": name,
        "slug": "mood",
        "kind": "labeling",
        "labels": ["positive", "negative", "neutral"],
        "overlap": {"min": overlap, "max": overlap},
        "confidence": 0.5,
        "gold_rate": 0.0,
    }


def proof_spec(*, overlap: tuple[int, int] = (2, 2), candidates: int = 2) -> dict[str, Any]:
    """A proofreading project "proof" in English."""
    return {
        "name": "Proof",
        "slug": "proof",
        "kind": "proofreading",
        "language": "en",
        "overlap": {"min": overlap[0], "max": overlap[1]},
        "candidates": candidates,
    }


PROOF = proof_spec()
PROOF_MD = b"Teh cat sat on the mat. The dog barks.\n"


def fill(data: Any, /, **values: Any) -> Any:
    """Replace every ``"$name"`` string by ``values[name]``; a ``None`` value drops the key."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if isinstance(value, str) and value.startswith("$") and values.get(value[1:]) is None:
                continue
            out[key] = fill(value, **values)
        return out
    if isinstance(data, list):
        return [fill(item, **values) for item in data]
    if isinstance(data, str) and data.startswith("$"):
        return values[data[1:]]
    return data


NNBSP = "\u202f"
REPORT_NOT_YOURS = (
    "This report button is not for a task you hold (someone else’s, or an old card): nothing "
    "was reported. Here is your current task."
)
REPORT_PAS_LE_VOTRE = (
    f"Ce bouton «{NNBSP}Signaler un problème{NNBSP}» ne correspond pas à une tâche que vous "
    f"avez (celle de quelqu’un d’autre, ou une ancienne carte){NNBSP}: rien n’a été signalé. "
    "Voici votre tâche en cours."
)
"""What either bot says to a "report a problem" press on a task one does not hold."""


def reports(essaim: Essaim) -> int:
    """How many problem reports are stored."""
    from engine.models import TaskReport

    with essaim.db.read() as session:
        return session.execute(select(func.count()).select_from(TaskReport)).scalar_one()


def statuses(essaim: Essaim) -> list[str]:
    """Every assignment's status, oldest first."""
    from engine.models import Assignment

    with essaim.db.read() as session:
        return list(session.execute(select(Assignment.status).order_by(Assignment.id)).scalars())
