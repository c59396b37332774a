"""`essaim demo`: three sample projects end to end on the embedded default.

A fresh SQLite file, inline jobs, no Redis, no token: a labeling, a proofreading and a
translation project are created from the example specs, fed the sample documents shipped in
`tasks.samples`, answered by a simulated crowd through the real services, and exported.
"""

from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from engine import services
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.config import load_settings
from engine.document_export import write_documents
from engine.examples import EXAMPLES_DIR, example_spec
from engine.exporting import write_export
from engine.quality_report import quality_report
from engine.simulate import simulate
from engine.spec import load_spec
from tasks.samples import sample_path


@dataclass(frozen=True)
class DemoProject:
    spec: str
    sample: str
    document_name: str | None = None
    """Where the corrected or translated document goes (`essaim export --document`)."""


PROJECTS = (
    DemoProject("sentiment", "labels.csv"),
    DemoProject("relecture", "proofreading_fr.md", "relecture_corrected.md"),
    DemoProject("translate", "translation_en.txt", "translation_fr.txt"),
)


def run_demo(
    directory: Path | None,
    *,
    contributors: int = 12,
    accuracy: float = 0.85,
    seed: int = 7,
    console: Console | None = None,
) -> list[dict[str, object]]:
    console = console or Console(width=max(Console().width, 110))  # the table needs room
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="essaim-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "essaim.db"
    for stale in folder.glob("essaim.db*"):
        stale.unlink()
    settings = load_settings(database_url=f"sqlite:///{database}", redis_url=None)
    essaim = Essaim.from_settings(settings)
    references = tomllib.loads((EXAMPLES_DIR / "demo_reference.toml").read_text("utf-8"))
    console.print(f"[bold]Essaim demo[/] — database {database} (SQLite, jobs inline)")
    summaries = []
    try:
        for demo in PROJECTS:
            summaries.append(_run_project(essaim, demo, folder, references, contributors,
                                          accuracy, seed, console))  # fmt: skip
    finally:
        essaim.close()
    _print_summary(console, summaries)
    console.print(f"\nEverything is in {folder}")
    return summaries


def _run_project(
    essaim: Essaim,
    demo: DemoProject,
    folder: Path,
    references: dict[str, list[str]],
    contributors: int,
    accuracy: float,
    seed: int,
    console: Console,
) -> dict[str, object]:
    spec = load_spec(example_spec(demo.spec))
    project = services.create_project(essaim.db, spec, actor_id=OPERATOR)
    sample = sample_path(demo.sample)
    handle = essaim.add_batch(project.slug, sample.name, sample.read_bytes(), actor_id=OPERATOR)
    if handle.status != "finished":
        raise RuntimeError(f"ingesting {sample.name} failed: {handle.error}")
    tasks = handle.result["n_tasks"]
    with Progress(TextColumn(f"{project.slug:<16}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:  # fmt: skip
        task = bar.add_task("answers", total=tasks * spec.overlap_min)
        report = simulate(essaim, project.slug, contributors=contributors, accuracy=accuracy,
                          seed=seed, progress=lambda n: bar.advance(task, n),
                          reference=references.get(project.slug))  # fmt: skip
    export = folder / f"{project.slug}.csv"
    write_export(essaim.db, project.slug, export)
    written = [export]
    if demo.document_name:
        document = folder / demo.document_name
        write_documents(essaim.db, project.slug, document)
        written.append(document)
        rows = list(services.export_items(essaim.db, project.slug))
        if rows[0].get("diff"):
            diff = folder / f"{project.slug}.diff"
            diff.write_text(str(rows[0]["diff"]), encoding="utf-8")
            written.append(diff)
    quality = quality_report(essaim.db, project.slug)
    items = handle.result["n_items"]
    return {
        "project": project.slug,
        "kind": project.kind,
        "items": items,
        "tasks": tasks,
        "answers": report.answers,
        "answers_per_item": report.answers / items if items else 0.0,
        "completion": report.completion,
        "alpha": quality["alpha"],
        "level": quality["level"],
        "accuracy": report.accuracy,
        "review": report.tasks.get("review", 0),
        "files": [str(path) for path in written],
    }


def _print_summary(console: Console, summaries: list[dict[str, object]]) -> None:
    table = Table("project", "kind", "items", "answers/item", "completion", "alpha",
                  "accuracy", "to review", title="Simulated crowd results")  # fmt: skip
    for s in summaries:
        alpha = "-" if s["alpha"] is None else f"{s['alpha']:.3f} ({s['level']})"
        accuracy = "-" if s["accuracy"] is None else f"{s['accuracy']:.1%}"
        table.add_row(str(s["project"]), str(s["kind"]), str(s["items"]),
                      f"{s['answers_per_item']:.1f}", f"{s['completion']:.0%}", alpha, accuracy,
                      str(s["review"]))  # fmt: skip
    console.print(table)
    console.print("accuracy: share of decided tasks equal to the known answer (gold or reference)")
    for s in summaries:
        for path in s["files"]:  # type: ignore[attr-defined]
            console.print(f"  wrote {path}")
