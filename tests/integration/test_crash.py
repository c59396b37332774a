"""A contributor process killed at any moment loses and doubles nothing.

Bot processes answer in a loop and are killed with SIGKILL at random moments (in the middle of
a transaction, between two, while leasing); then the stored answers are checked against what
the processes reported as accepted before dying, and the task counters against the rows.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from engine.models import Answer
from tests.integration.helpers import add_rows, assert_lease_counters, make_project

pytestmark = pytest.mark.integration

WORKER = """
import sys
from engine import services
from engine.db import Database
db = Database(sys.argv[1], pool_size=1)
me = services.identify(db, "crash", sys.argv[2]).id
labels = ["cat", "dog"]
offer = services.next_task(db, me, "animals").offer
print("ready", flush=True)
i = 0
while offer is not None:
    result = services.submit_answer(db, me, offer.assignment_id, labels[i % 2], seconds=5.0)
    if result.status == "accepted":
        print(result.answer_id, flush=True)  # reported only once committed
    offer = result.next.offer if result.next else None
    i += 1
"""


def test_killed_processes_lose_and_double_nothing(essaim, tmp_path):
    make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.5)
    add_rows(essaim, "animals", [{"id": f"i{n}", "text": f"item {n}"} for n in range(300)])
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    rng = random.Random(7)
    reported: list[int] = []
    for _round in range(6):
        workers = [
            subprocess.Popen([sys.executable, str(script), essaim.db.url, f"w{n}"], env=env,
                             stdout=subprocess.PIPE, text=True)
            for n in range(3)
        ]  # fmt: skip
        for proc in workers:  # imports take a second or more on a busy machine
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.5 + rng.random())  # they answer, and are killed at a random moment
        for proc in workers:
            proc.send_signal(signal.SIGKILL)
        for proc in workers:
            out, _ = proc.communicate(timeout=30)
            reported += [int(line) for line in out.split()]
    assert len(reported) > 20, "too few answers got through before the kills to test anything"
    with essaim.db.read() as session:
        stored = set(session.execute(select(Answer.id)).scalars())
        pairs = session.execute(
            select(func.count()).select_from(
                select(Answer.task_id, Answer.contributor_id)
                .group_by(Answer.task_id, Answer.contributor_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
    assert set(reported) <= stored  # nothing acknowledged was lost
    assert len(reported) == len(set(reported))  # nothing acknowledged twice
    assert pairs == 0  # never two answers of one person to one task
    assert_lease_counters(essaim.db)  # counters equal the rows, whatever was interrupted
