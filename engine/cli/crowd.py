"""The crowd from the command line: simulate it, replay it, review what it left undecided."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from engine import services
from engine.actors import OPERATOR
from engine.cli.context import (
    MAX_ID,
    MAX_SEED,
    cell,
    console,
    errors,
    fail,
    handles_errors,
    print_json,
    shown,
    state,
)
from engine.simulate import simulate

review_app = typer.Typer(help="Moderate what the crowd could not decide.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
    app.command("simulate")(simulate_command)
    app.command("demo")(demo)


@handles_errors
def simulate_command(
    project: str = typer.Argument(..., help="Project slug."),
    contributors: int = typer.Option(10, "--contributors", "-n", min=1, max=10_000),
    accuracy: float = typer.Option(0.8, "--accuracy", "-a", min=0.0, max=1.0),
    seed: int = typer.Option(0, "--seed", min=0, max=MAX_SEED),
    replay_file: Path | None = typer.Option(
        None, "--replay", help="Replay recorded answers (CSV task,worker,label) instead."
    ),
    truth_file: Path | None = typer.Option(
        None, "--truth", help="With --replay: known labels (CSV task,label) to score against."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Simulated contributors answer through the same services the bots call."""
    if replay_file is not None:
        from engine.replay import read_truth, replay
        from engine.tables import TableError

        try:  # the truth file is read first: a bad one fails before anything is replayed
            truth = None if truth_file is None else read_truth(truth_file)
            result = replay(state.essaim(), project, replay_file, truth)
        except TableError as exc:
            raise fail(str(exc)) from None
        if as_json:
            print_json(result.as_dict())
        else:
            _print_report(result.as_dict(), "replay")
        return
    if truth_file is not None:
        raise fail("--truth goes with --replay")
    essaim = state.essaim()
    status = services.project_status(essaim.db, project, actor_id=OPERATOR)
    estimate = max(1, sum(status.tasks.values()) * 3)
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=errors, transient=True) as bar:  # fmt: skip
        task = bar.add_task("answers", total=estimate)
        report = simulate(essaim, project, contributors=contributors, accuracy=accuracy,
                          seed=seed, progress=lambda n: bar.advance(task, n))  # fmt: skip
    if as_json:
        print_json(report.as_dict())
        return
    _print_report(report.as_dict(), "simulation")


def _print_report(data: dict[str, object], title: str) -> None:
    table = Table(title=title, show_header=False)
    for key, value in data.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        table.add_row(key, shown)
    console.print(table)


@review_app.command("list")
@handles_errors
def review_list(
    project: str = typer.Argument(..., help="Project slug."),
    limit: int = typer.Option(20, help="How many items.", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Undecided items, lowest agreement first, with every answer and its count."""
    items = services.review_queue(state.essaim().db, project, limit=limit, actor_id=OPERATOR)
    if as_json:
        print_json([
            {"task": i.task_id, "item": i.item_id, "text": i.prompt.text,
             "agreement": i.agreement, "n_answers": i.n_answers,
             "answers": [{"value": a.value, "count": a.count, "skills": list(a.skills)}
                         for a in i.answers]}
            for i in items
        ])  # fmt: skip
        return
    if not items:
        console.print("nothing to review")
        return
    table = Table("task", "item", "text", "answers", "agreement")
    for item in items:  # ids, texts and answers are people's: cells without markup
        answers = ", ".join(f"{a.value!r}×{a.count}" for a in item.answers)
        agreement = "-" if item.agreement is None else f"{item.agreement:.2f}"
        table.add_row(str(item.task_id), cell(item.item_id), cell(item.prompt.text, 60),
                      cell(answers), agreement)  # fmt: skip
    console.print(table)


@review_app.command("resolve")
@handles_errors
def review_resolve(
    project: str = typer.Argument(..., help="Project slug."),
    task: int = typer.Argument(..., help="Task id (from `review list`).", min=1, max=MAX_ID),
    value: str = typer.Argument("", help="The final answer (empty with --discard)."),
    discard: bool = typer.Option(False, help="Discard the item instead of answering."),
    gold: bool = typer.Option(False, "--gold", help="Also make it a control task."),
) -> None:
    """Decide an item in review; the decision is final and logged."""
    if not discard and not value:
        raise fail("give a VALUE or --discard")
    stored = services.resolve_review(state.essaim().db, project, task,
                                     None if discard else value, make_gold=gold,
                                     actor_id=OPERATOR)  # fmt: skip
    console.print(shown(f"task {task} resolved: {'discarded' if discard else repr(stored)}"))


@handles_errors
def demo(
    directory: Path | None = typer.Option(
        None, "--dir", help="Where to put the database and exports (default: a temp folder)."
    ),
    contributors: int = typer.Option(12, "--contributors", "-n", min=3, max=1000),
    accuracy: float = typer.Option(0.85, "--accuracy", "-a", min=0.0, max=1.0),
    seed: int = typer.Option(7, "--seed", min=0, max=MAX_SEED),
) -> None:
    """Run sample projects end to end on the embedded default (SQLite, no Redis)."""
    from engine.demo import run_demo

    if directory is not None and directory.exists() and not directory.is_dir():
        raise fail(f"{directory}: is a file, --dir needs a folder (it is created if missing)")
    run_demo(directory, contributors=contributors, accuracy=accuracy, seed=seed)
