"""Small builders for integration tests: projects and batches through the real services."""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import func, select

from engine import services
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.db import Database
from engine.models import Answer, Assignment, Project, Task, WorkerSkill
from engine.services.dto import ProjectInfo, SubmitResult, TaskOffer
from engine.spec import parse_spec

LABELS = ["cat", "dog", "bird"]


def make_project(essaim: Essaim, **overrides: Any) -> ProjectInfo:
    spec: dict[str, Any] = {
        "name": "Animals",
        "slug": "animals",
        "kind": "labeling",
        "labels": LABELS,
        "overlap": {"min": 3, "max": 3},
        "confidence": 0.5,
    }
    spec.update(overrides)
    return services.create_project(essaim.db, parse_spec(spec), actor_id=OPERATOR)


def add_rows(essaim: Essaim, slug: str, rows: list[dict[str, str]], name: str = "b.csv") -> Any:
    """Upload rows as a CSV (header from the first row) and ingest them inline."""
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(row.get(h, "") for h in header) for row in rows]
    handle = essaim.add_batch(slug, name, ("\n".join(lines) + "\n").encode(), actor_id=OPERATOR)
    assert handle.status == "finished", handle.error
    return handle.result


def person(essaim: Essaim, name: str) -> int:
    return services.identify(essaim.db, "test", name, display_name=name).id


# --- additions for the integration suite -------------------------------------------------


class FixedRng(random.Random):
    """An rng whose ``random()`` is a constant: 0.0 always draws a control task, 0.999 never."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


GOLD = FixedRng(0.0)
NO_GOLD = FixedRng(0.999)


def count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as session:
        return int(
            session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def task_row(db: Database, task_id: int) -> Task:
    with db.read() as session:
        task = session.get_one(Task, task_id)
        session.expunge_all()  # keep the loaded values past the read's rollback
        return task


def tasks_of(db: Database, slug: str, *where: Any) -> list[Task]:
    with db.read() as session:
        tasks = list(
            session.execute(
                select(Task)
                .join(Project, Project.id == Task.project_id)
                .where(Project.slug == slug, *where)
                .order_by(Task.id)
            ).scalars()
        )
        session.expunge_all()
        return tasks


def skill_row(db: Database, contributor_id: int, slug: str) -> WorkerSkill | None:
    with db.read() as session:
        project_id = session.execute(select(Project.id).where(Project.slug == slug)).scalar_one()
        row = session.get(WorkerSkill, {"contributor_id": contributor_id, "project_id": project_id})
        session.expunge_all()
        return row


def assert_lease_counters(db: Database) -> None:
    """Every non-gold task's ``n_leased`` equals its leased assignments, ``n_answers`` its
    counted answers (the denormalised counters the scheduler trusts)."""
    with db.read() as session:
        for task in session.execute(select(Task).where(Task.is_gold.is_(False))).scalars():
            leased = session.execute(
                select(func.count()).where(
                    Assignment.task_id == task.id, Assignment.status == "leased"
                )
            ).scalar_one()
            counted = session.execute(
                select(func.count()).where(Answer.task_id == task.id, Answer.counted.is_(True))
            ).scalar_one()
            assert task.n_leased == leased, (task.id, task.n_leased, leased)
            assert task.n_answers == counted, (task.id, task.n_answers, counted)


def offer(essaim: Essaim, contributor_id: int, slug: str, **kwargs: Any) -> TaskOffer:
    """The next task, which must exist."""
    nxt = services.next_task(essaim.db, contributor_id, slug, **kwargs)
    assert nxt.status == "task" and nxt.offer is not None, nxt
    return nxt.offer


def answer(
    essaim: Essaim, contributor_id: int, slug: str, value: str, **kwargs: Any
) -> SubmitResult:
    """Lease the next task and answer it with ``value``; the answer must be accepted."""
    task = offer(essaim, contributor_id, slug, rng=kwargs.pop("rng", NO_GOLD))
    result = services.submit_answer(essaim.db, contributor_id, task.assignment_id, value, **kwargs)
    assert result.status == "accepted", result
    return result


def answer_task(
    essaim: Essaim, contributor_id: int, slug: str, task_id: int, value: str, **kwargs: Any
) -> SubmitResult:
    """Lease and answer; the offer must be ``task_id``."""
    task = offer(essaim, contributor_id, slug, rng=kwargs.pop("rng", NO_GOLD))
    assert task.task_id == task_id, (task.task_id, task_id)
    result = services.submit_answer(essaim.db, contributor_id, task.assignment_id, value, **kwargs)
    assert result.status == "accepted", result
    return result


def upload_csv(rows: list[dict[str, str]]) -> bytes:
    header = list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def benchmark_module(name: str) -> ModuleType:
    """A script of ``benchmarks/``, imported by name: its processes are spawned, and they
    import it the same way."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


def work_burst(essaim: Essaim, redis_conn: Any) -> None:
    """Run the essaim queue's jobs in this process with a real RQ worker until it is empty."""
    from rq import Queue, SimpleWorker

    queue = Queue(essaim.queue.name, connection=redis_conn)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)


_ESSAIM_RUNNER = textwrap.dedent(
    """
    import json, sys
    watched = set(json.loads(sys.argv[2]))
    sys.argv = ["essaim", *json.loads(sys.argv[1])]
    from engine.cli import main
    try:
        main()
    except SystemExit as exit:
        code = exit.code
    else:
        code = 0
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in watched or m in watched)
    sys.stderr.write("\\n" + json.dumps({"code": code, "heavy": heavy}) + "\\n")
    """
)


def run_essaim(
    *args: str, watched: tuple[str, ...], cwd: Path | None = None
) -> tuple[str, dict[str, Any]]:
    """``essaim ARGS`` in a fresh interpreter: its output, exit code and the watched modules
    (a name, or the root package of a name) it imported. ESSAIM_ settings are left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    done = subprocess.run(
        [sys.executable, "-c", _ESSAIM_RUNNER, json.dumps(args), json.dumps(watched)],
        capture_output=True, text=True, timeout=60, check=False, env=env, cwd=cwd,
    )  # fmt: skip
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report
