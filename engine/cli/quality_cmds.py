"""Quality from the command line: a project's picture, and stateless aggregation of a CSV."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from engine.cli.context import console, errors, fail, handles_errors, print_json, state
from engine.quality_report import quality_report
from quality.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene, WeightedMajorityVote
from quality.agreement import alpha
from quality.answers import AnswerSet, read_answers_csv, read_gold_csv
from quality.skill import smoothed_accuracy

METHODS = ("mv", "wmv", "ds", "onecoin")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def register(app: typer.Typer) -> None:
    app.command("quality")(quality)
    app.command("aggregate")(aggregate)


@handles_errors
def quality(
    project: str = typer.Argument(..., help="Project slug."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    chart: Path | None = typer.Option(None, "--chart", help="Write a PNG chart here."),
) -> None:
    """Agreement (Krippendorff's alpha), workers, effort per task and review backlog."""
    report = quality_report(state.essaim().db, project)
    if chart is not None:
        from engine.charts import quality_chart

        quality_chart(report, chart)
    if as_json:
        print_json(report)
        return
    shown = "-" if report["alpha"] is None else f"{report['alpha']:.3f}"
    backlog = report["review_backlog"]
    console.print(f"[bold]{project}[/]: alpha ({report['level']}) {shown} over "
                  f"{report['answers']} answers; review backlog {backlog}")  # fmt: skip
    for batch in report["batches"]:
        value = "-" if batch["alpha"] is None else f"{batch['alpha']:.3f}"
        console.print(f"  batch {batch['batch']}: alpha {value} ({batch['answers']} answers)")
    effort = report["answers_per_completed_task"]
    if effort["tasks"]:
        console.print(f"answers per completed task: mean {effort['mean']:.2f} "
                      f"histogram {effort['histogram']}")  # fmt: skip
    table = Table("contributor", "answers", "gold acc.", "skill", "agreement", "points",
                  "suspended")  # fmt: skip
    for w in report["workers"]:
        table.add_row(str(w["contributor"]), str(w["answers"]), _fmt(w["gold_accuracy"]),
                      _fmt(w["skill"]), _fmt(w["agreement"]), str(w["points"]),
                      w["reason"] or "" if w["suspended"] else "")  # fmt: skip
    console.print(table)
    if chart is not None:
        errors.print(f"chart written to {chart}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@handles_errors
def aggregate(
    answers_file: Path = typer.Argument(..., help="CSV task,worker,label (crowd-kit format)."),
    method: str = typer.Option("ds", "--method", help="mv, wmv, ds or onecoin."),
    level: str = typer.Option("nominal", "--level", help="Alpha level: " + ", ".join(LEVELS)),
    gold_file: Path | None = typer.Option(None, "--gold", help="CSV task,label of known answers."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Where to write results."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Aggregate answers without a database; writes task,label,confidence."""
    if method not in METHODS:
        raise fail(f"--method must be one of {', '.join(METHODS)}")
    if level not in LEVELS:
        raise fail(f"--level must be one of {', '.join(LEVELS)}")
    try:
        answers = read_answers_csv(answers_file)
        gold = read_gold_csv(gold_file) if gold_file else None
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    model = _fit(method, answers, gold)
    labels = answers.label_values[model.labels_]
    summary = {
        "method": method,
        "tasks": answers.n_tasks,
        "workers": answers.n_workers,
        "answers": answers.n_answers,
        "alpha": _alpha(answers, level),
        "level": level,
    }
    _write_results(output, answers, labels, model.confidence_)
    if as_json:
        print_json(summary)
    else:
        errors.print(", ".join(f"{k} {_fmt(v) if isinstance(v, float) else v}"
                               for k, v in summary.items()))  # fmt: skip


def _fit(method: str, answers: AnswerSet, gold: dict[Any, Any] | None) -> Any:
    if method == "mv":
        return MajorityVote().fit(answers)
    if method == "ds":
        return DawidSkene().fit(answers, gold=gold)
    if method == "onecoin":
        return OneCoinDawidSkene().fit(answers, gold=gold)
    return WeightedMajorityVote().fit(answers, _gold_skills(answers, gold))


def _gold_skills(answers: AnswerSet, gold: dict[Any, Any] | None) -> np.ndarray:
    """Per-worker smoothed gold accuracy for the weighted vote (0.5 without gold)."""
    gold_code = np.full(answers.n_tasks, -1, dtype=np.int64)
    if gold:
        code_of = {value: code for code, value in enumerate(answers.label_values.tolist())}
        for code, task in enumerate(answers.task_ids.tolist()):
            if task in gold and gold[task] in code_of:
                gold_code[code] = code_of[gold[task]]
    expected = gold_code[answers.task]
    graded = expected >= 0
    seen = np.bincount(answers.worker[graded], minlength=answers.n_workers)
    right = graded & (answers.label == expected)
    correct = np.bincount(answers.worker[right], minlength=answers.n_workers)
    return np.asarray(smoothed_accuracy(correct, seen))


def _alpha(answers: AnswerSet, level: str) -> float | None:
    try:
        value = alpha(answers, level)  # type: ignore[arg-type]
    except ValueError as exc:
        raise fail(str(exc)) from None
    return None if not np.isfinite(value) else round(float(value), 6)


def _write_results(
    output: Path | None, answers: AnswerSet, labels: np.ndarray, confidence: np.ndarray
) -> None:
    handle = sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
    try:
        writer = csv.writer(handle)
        writer.writerow(["task", "label", "confidence"])
        for task, label, conf in zip(answers.task_ids, labels, confidence, strict=True):
            writer.writerow([task, label, f"{conf:.6f}"])
    finally:
        if output is not None:
            handle.close()
