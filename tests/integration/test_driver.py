"""Statements run on the driver's cursor read and write exactly what SQLAlchemy would."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, literal_column, select, update

from engine import driver
from engine.db import Database
from engine.models import RESULT_TABLE, TASK_TABLE, Batch, Item, Project

pytestmark = pytest.mark.integration

STORE = insert(RESULT_TABLE).values(
    task_id=bindparam("p_task"), value=bindparam("p_value"), key=bindparam("p_key"),
    method="test", n_answers=bindparam("p_n"), decided_at=bindparam("p_at"),
)  # fmt: skip
READ = select(RESULT_TABLE.c.value, RESULT_TABLE.c.decided_at, RESULT_TABLE.c.n_answers,
              RESULT_TABLE.c.key).where(RESULT_TABLE.c.task_id == bindparam("p_task"))  # fmt: skip
BUMP = (
    update(TASK_TABLE).where(TASK_TABLE.c.id == bindparam("p_task"))
    .values(n_leased=TASK_TABLE.c.n_leased + 2)  # the 2 is bound inside the statement
    .returning(TASK_TABLE.c.n_leased)
)  # fmt: skip


def _task(db: Database) -> int:
    with db.write() as session:
        project = Project(slug="p", name="P", kind="labeling")
        session.add(project)
        session.flush()
        batch = Batch(project_id=project.id, filename="b.csv")
        session.add(batch)
        session.flush()
        item = Item(project_id=project.id, batch_id=batch.id, external_id="1")
        session.add(item)
        session.flush()
        return int(session.execute(
            insert(TASK_TABLE).values(project_id=project.id, item_id=item.id, batch_id=batch.id,
                                      payload={"text": "x"}).returning(TASK_TABLE.c.id)
        ).scalar_one())  # fmt: skip


def test_values_round_trip_with_the_types_sqlalchemy_applies(db: Database) -> None:
    task = _task(db)
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC) + timedelta(microseconds=7)
    value = {"labels": ["a", "é"], "n": 2}
    with db.write() as session:
        connection = session.connection()
        driver.execute(connection, STORE, {"p_task": task, "p_value": value, "p_key": "k",
                                           "p_n": 3, "p_at": moment})  # fmt: skip
        row = driver.first(connection, READ, {"p_task": task})
        assert driver.first(connection, BUMP, {"p_task": task}) == (2,)
        assert driver.first(connection, BUMP, {"p_task": task}) == (4,)
    assert row == (value, moment, 3, "k")  # JSON decoded, timestamp aware UTC again
    with db.read() as session:  # and SQLAlchemy reads back the same
        assert tuple(session.execute(READ, {"p_task": task}).one()) == row
    with db.read() as session:
        assert driver.rows(session.connection(), READ, {"p_task": -1}) == []
        assert driver.first(session.connection(), READ, {"p_task": -1}) is None


def test_executemany_runs_every_row_in_order(db: Database) -> None:
    task = _task(db)
    bump = update(TASK_TABLE).where(TASK_TABLE.c.id == bindparam("p_task")).values(
        n_answers=TASK_TABLE.c.n_answers * 10 + bindparam("p_digit")
    )  # fmt: skip
    with db.write() as session:
        driver.executemany(session.connection(), bump,
                           [{"p_task": task, "p_digit": digit} for digit in (1, 2, 3)])  # fmt: skip
        driver.executemany(session.connection(), bump, [])  # nothing to run
    with db.read() as session:
        count = session.execute(select(TASK_TABLE.c.n_answers).where(TASK_TABLE.c.id == task))
        assert count.scalar_one() == 123


def test_a_statement_whose_sql_depends_on_its_parameters_is_refused(db: Database) -> None:
    expanding = select(literal_column("1")).where(
        TASK_TABLE.c.id.in_(bindparam("ids", expanding=True))
    )
    with db.read() as session, pytest.raises(ValueError, match="depends on its parameters"):
        driver.rows(session.connection(), expanding, {"ids": [1, 2]})


def test_a_statement_compiles_once_and_its_plan_goes_with_it(db: Database) -> None:
    statement = select(TASK_TABLE.c.id).where(TASK_TABLE.c.id == bindparam("p_task"))
    with db.read() as session:
        connection = session.connection()
        assert driver.rows(connection, statement, {"p_task": -1}) == []
        plan = driver.compiled(statement, connection.dialect)
        assert driver.compiled(statement, connection.dialect) is plan  # compiled once
    statement_gone, plan_gone = weakref.ref(statement), weakref.ref(plan)
    del statement, plan
    gc.collect()
    assert statement_gone() is None  # the cache does not keep a statement alive
    assert plan_gone() is None  # nor what was compiled from it


def test_result_types_come_from_the_returning_columns(db: Database) -> None:
    """An UPDATE ... RETURNING of a JSON column decodes it like SQLAlchemy (SQLite stores text)."""
    task = _task(db)
    back = (update(TASK_TABLE).where(TASK_TABLE.c.id == bindparam("p_task"))
            .values(n_answers=TASK_TABLE.c.n_answers).returning(TASK_TABLE.c.payload,
                                                                 TASK_TABLE.c.id))  # fmt: skip
    with db.write() as session:
        assert driver.first(session.connection(), back, {"p_task": task}) == ({"text": "x"}, task)
