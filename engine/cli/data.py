"""Moving data in and out: batches, exports, imported answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from engine import jobs, services
from engine.actors import OPERATOR
from engine.cli.context import console, errors, fail, handles_errors, print_json, state
from engine.config import MAX_UPLOAD_ROWS
from engine.exporting import FORMATS, write_export
from tasks.encodings import encoding_label

batch_app = typer.Typer(help="Upload batches of work.", no_args_is_help=True)
answers_app = typer.Typer(help="Answers collected elsewhere.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
    app.add_typer(answers_app, name="answers")
    app.command("export")(export)


@batch_app.command("add")
@handles_errors
def batch_add(
    project: str = typer.Argument(..., help="Project slug."),
    file: Path = typer.Argument(..., help="CSV, JSONL, TXT or Markdown file."),
    encoding: str | None = typer.Option(
        None, help="Read the file in this text encoding (default: detected)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Upload a file the project already has (same bytes) again."
    ),
    allow_repeated_ids: bool = typer.Option(
        False, "--allow-repeated-ids", help="Accept ids that earlier batches already use."
    ),
    max_rows: int | None = typer.Option(
        None,
        "--max-rows",
        min=1,
        max=MAX_UPLOAD_ROWS,
        help="Most rows (and tasks) accepted (default ESSAIM_MAX_UPLOAD_ROWS).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Upload a batch; its rows become items and micro-tasks (all or nothing)."""
    if file.is_dir():
        raise fail(f"{file}: is a folder; give the file to upload")
    if not file.is_file():
        raise fail(f"{file}: no such file")
    essaim = state.essaim()
    with file.open("rb") as source, _progress() as progress:  # streamed, never all in memory
        handle = essaim.add_batch(project, file.name, source, encoding=encoding, force=force,
                                  allow_repeated_ids=allow_repeated_ids, max_rows=max_rows,
                                  progress=_advance(progress, file.name), wait=True,
                                  actor_id=OPERATOR)  # fmt: skip
    report = services.batch_report(essaim.db, handle.batch_id)
    if report.status == "failed":
        raise fail(report.error or "ingestion failed")
    if as_json:
        print_json(report.__dict__)
        return
    encoding = encoding_label(report.encoding)
    console.print(f"batch {report.batch_id}: {report.n_items} items, {report.n_tasks} tasks "
                  f"({report.n_gold} gold) added to {report.project_slug}, read as {encoding}",
                  markup=False, highlight=False)  # fmt: skip
    if report.n_repeated_ids:
        errors.print(f"warning: {report.n_repeated_ids} items have ids that earlier batches of "
                     f"{report.project_slug} already use", markup=False)  # fmt: skip


def _advance(progress: Progress, filename: str) -> Callable[[str, int], None]:
    """The ingestion's progress callback: one bar per stage (reading, storing), inline or
    from a worker."""
    from rich.markup import escape

    from engine.terminal import printable

    shown = escape(printable(filename))
    bars: dict[str, TaskID] = {}
    idle: list[TaskID] = []  # bars of stages with no rows yet ("queued")

    def advance(stage: str, rows: int) -> None:
        if stage not in bars:
            bars[stage] = progress.add_task(f"{stage} {shown}", total=None)
            idle.append(bars[stage])
        if rows:
            for bar in idle:  # a stage that did no rows ends unseen once another does
                if bar != bars[stage]:
                    progress.update(bar, visible=False)
            idle[:] = []
            progress.advance(bars[stage], rows)

    return advance


@handles_errors
def export(
    project: str = typer.Argument(..., help="Project slug."),
    fmt: str | None = typer.Option(None, "--format", help="csv (default) or jsonl."),
    output: str | None = typer.Option(  # a str: Path() drops the "/" that marks a folder
        None, "-o", "--output", help="File (default stdout); with --document, a file or a folder."
    ),
    raw: bool = typer.Option(False, "--raw", help="One row per answer instead of per item."),
    document: bool = typer.Option(
        False, "--document", help="Proofreading, translation: write the documents themselves."
    ),
    formulas: str = typer.Option(
        "escape",
        "--formulas",
        help="CSV cells starting with = + - @: 'escape' (a leading ') or 'keep' as stored.",
    ),
) -> None:
    """Export results (one row per item with its inputs), raw answers, or the documents."""
    from engine.document_export import write_documents
    from engine.exporting import FORMULAS, check_output
    from engine.terminal import printable

    if fmt is not None and fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}")
    if formulas not in FORMULAS:
        raise fail(f"--formulas must be one of {', '.join(FORMULAS)}")
    essaim = state.essaim()
    if document:
        if raw or fmt is not None:
            raise fail("--document writes the documents themselves; drop --raw and --format")
        written = write_documents(essaim.db, project, output)
        if output is not None:
            note = f" ({written.undecided} sentences undecided, kept as uploaded)"
            errors.print(f"{len(written.paths)} documents written to {printable(output)}"
                         f"{note if written.undecided else ''}", markup=False)  # fmt: skip
        return
    fmt = fmt or "csv"
    check_output(output)
    if output is None or essaim.queue.is_inline:
        rows = write_export(essaim.db, project, output, fmt=fmt, raw=raw, formulas=formulas)
    else:  # with Redis, a worker builds the file (it must see the same path)
        services.get_project(essaim.db, project)  # a wrong slug fails here, not in the worker
        handle = essaim.queue.enqueue(jobs.export_job, project, str(Path(output).resolve()),
                                      fmt, raw, formulas)  # fmt: skip
        handle = essaim.queue.wait(handle)
        if handle.status != "finished":
            raise fail(f"export job {handle.id} {handle.status}: {handle.error}")
        rows = handle.result["rows"]
    if output is not None:
        errors.print(f"{rows} rows written to {printable(output)}", markup=False)


@answers_app.command("import")
@handles_errors
def answers_import(
    project: str = typer.Argument(..., help="Project slug."),
    file: Path = typer.Argument(..., help="CSV with columns task,worker,label."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import answers collected elsewhere; re-importing the same rows adds nothing."""
    from engine.tables import read_file  # a missing file or a folder: one error line

    report = services.import_answers(
        state.essaim().db, project, file.name, read_file(file), actor_id=OPERATOR
    )
    if as_json:
        print_json(report.__dict__)
        return
    console.print(f"{report.imported} answers imported, {report.already_there} already there, "
                  f"{report.tasks_completed} tasks completed")  # fmt: skip


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed:,.0f} records"), _RateColumn(),
                    TimeElapsedColumn(), console=errors, transient=True)  # fmt: skip


class _RateColumn(ProgressColumn):
    """Records per second of a bar."""

    def render(self, task: Any) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")
