"""Moving data in and out: batches, exports, imported answers."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from engine import jobs, services
from engine.cli.context import console, errors, fail, handles_errors, print_json, state
from engine.errors import InvalidUpload
from engine.exporting import FORMATS, write_export

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
    encoding: str | None = typer.Option(None, help="Text encoding when not UTF-8."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Upload a batch; its rows become items and micro-tasks (all or nothing)."""
    if not file.is_file():
        raise fail(f"{file}: no such file")
    essaim = state.essaim()
    batch_id = services.upload_batch(essaim.db, project, file.name, file.read_bytes(),
                                     encoding=encoding)  # fmt: skip
    with _progress() as progress:
        task = progress.add_task(f"ingesting {file.name}", total=None)
        if essaim.queue.is_inline:
            try:
                advance = lambda n: progress.advance(task, n)  # noqa: E731
                report = services.ingest_batch(essaim.db, batch_id, progress=advance)
            except InvalidUpload as exc:
                raise fail(str(exc)) from None
        else:
            essaim.queue.enqueue(jobs.ingest_batch_job, batch_id)
            report = services.batch_report(essaim.db, batch_id)
            while report.status == "pending":
                time.sleep(0.5)
                report = services.batch_report(essaim.db, batch_id)
    if report.status == "failed":
        raise fail(report.error or "ingestion failed")
    if as_json:
        print_json(report.__dict__)
        return
    console.print(f"batch {report.batch_id}: {report.n_items} items, {report.n_tasks} tasks "
                  f"({report.n_gold} gold) added to {report.project_slug}")  # fmt: skip


@handles_errors
def export(
    project: str = typer.Argument(..., help="Project slug."),
    fmt: str = typer.Option("csv", "--format", help=f"One of {', '.join(FORMATS)}."),
    output: Path | None = typer.Option(None, "-o", "--output", help="File (default stdout)."),
    raw: bool = typer.Option(False, "--raw", help="One row per answer instead of per item."),
) -> None:
    """Export results (one row per item) or raw answers (task, worker, label, seconds)."""
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}")
    essaim = state.essaim()
    if output is None or essaim.queue.is_inline:
        rows = write_export(essaim.db, project, output, fmt=fmt, raw=raw)
    else:  # with Redis, a worker builds the file (it must see the same path)
        services.get_project(essaim.db, project)  # a wrong slug fails here, not in the worker
        handle = essaim.queue.enqueue(jobs.export_job, project, str(output.resolve()), fmt, raw)
        while handle.status not in ("finished", "failed", "stopped", "canceled"):
            time.sleep(0.5)
            handle = essaim.queue.fetch(handle)
        if handle.status != "finished":
            raise fail(f"export job {handle.id} {handle.status}: {handle.error}")
        rows = handle.result["rows"]
    if output is not None:
        errors.print(f"{rows} rows written to {output}")


@answers_app.command("import")
@handles_errors
def answers_import(
    project: str = typer.Argument(..., help="Project slug."),
    file: Path = typer.Argument(..., help="CSV with columns task,worker,label."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import answers collected elsewhere; re-importing the same rows adds nothing."""
    if not file.is_file():
        raise fail(f"{file}: no such file")
    report = services.import_answers(state.essaim().db, project, file.name, file.read_bytes())
    if as_json:
        print_json(report.__dict__)
        return
    console.print(f"{report.imported} answers imported, {report.already_there} already there, "
                  f"{report.tasks_completed} tasks completed")  # fmt: skip


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed} records"), TimeElapsedColumn(),
                    console=errors, transient=True)  # fmt: skip
