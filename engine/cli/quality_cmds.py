"""Quality from the command line: a project's picture, and stateless aggregation of a CSV.

`aggregate` needs no database: it imports neither SQLAlchemy nor the services, and reads
with the columnar path of `engine.tables`, so a million answers take about a second.
Heavy imports stay inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from engine.cli.context import (
    collector_paused,
    console,
    errors,
    fail,
    handles_errors,
    print_json,
    state,
)

if TYPE_CHECKING:
    import numpy as np

    from quality.aggregation import (
        DawidSkene,
        MajorityVote,
        OneCoinDawidSkene,
        WeightedMajorityVote,
    )
    from quality.answers import AnswerSet

    Model = MajorityVote | WeightedMajorityVote | DawidSkene | OneCoinDawidSkene

METHODS = ("mv", "wmv", "ds", "onecoin")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def register(app: typer.Typer) -> None:
    app.command("quality")(quality)
    app.command("aggregate")(aggregate)


@handles_errors
def quality(
    project: str = typer.Argument(..., help="Project slug."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    chart: Path | None = typer.Option(
        None, "--chart", help="Write a PNG chart to this file (its name ends in .png)."
    ),
) -> None:
    """Agreement (Krippendorff's alpha), workers, effort per task and review backlog."""
    from rich.table import Table

    from engine.quality_report import quality_report

    _check_chart(chart)
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


def _check_chart(chart: Path | None) -> None:
    """Refuse a chart path that would not be the file written, before any work: matplotlib
    adds ``.png`` to a name without it, so a folder ``out`` would become a file ``out.png``."""
    if chart is None:
        return
    if chart.is_dir():
        raise fail(f"{chart}: --chart is a folder; give a file name, e.g. "
                         f"{chart / 'quality.png'}")  # fmt: skip
    if chart.suffix.lower() != ".png":
        raise fail(f"{chart}: --chart writes a PNG image; give a file name ending in .png")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@handles_errors
def aggregate(
    answers_file: Path = typer.Argument(..., help="CSV task,worker,label (crowd-kit format)."),
    method: str = typer.Option("ds", "--method", help="mv, wmv, ds or onecoin."),
    level: str = typer.Option("nominal", "--level", help="Alpha level: " + ", ".join(LEVELS)),
    gold_file: Path | None = typer.Option(
        None, "--gold", help="CSV task,label of known answers (labels the workers used)."
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Where to write results."),
    encoding: str | None = typer.Option(
        None, "--encoding", help="Text encoding of the files (default: detected)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Aggregate answers without a database; writes task,label,confidence.

    Ids and labels are the exact strings of the file (only surrounding whitespace trimmed);
    results come in the order tasks first appear in the answers file.
    """
    with collector_paused():  # a short command: see collector_paused
        from engine.tables import TableError, read_answers, read_file

        if method not in METHODS:
            raise fail(f"--method must be one of {', '.join(METHODS)}")
        if level not in LEVELS:
            raise fail(f"--level must be one of {', '.join(LEVELS)}")
        _check_output(output)
        try:
            answers = read_answers(read_file(answers_file), str(answers_file), encoding=encoding)
            gold = _read_gold(gold_file, answers, encoding) if gold_file else None
        except TableError as exc:
            raise fail(str(exc)) from None
        model = _fit(method, answers, gold)
        summary = {
            "method": method,
            "tasks": answers.n_tasks,
            "workers": answers.n_workers,
            "answers": answers.n_answers,
            "alpha": _alpha(answers, level),
            "level": level,
        }
        _write_results(output, answers, model.labels_, model.confidence_)
        if as_json:
            print_json(summary)
        else:
            errors.print(", ".join(f"{k} {_fmt(v) if isinstance(v, float) else v}"
                                   for k, v in summary.items()))  # fmt: skip


def _check_output(output: Path | None) -> None:
    """Refuse an output that cannot be written before any work is done."""
    if output is None:
        return
    if output.is_dir():
        raise fail(f"{output}: -o is a folder; give a file name")
    if not output.parent.is_dir():
        raise fail(f"{output}: no folder {str(output.parent)!r} to write into")


def _read_gold(path: Path, answers: AnswerSet, encoding: str | None) -> dict[str, str]:
    """{task: label} of a gold file; a label no worker used is an error naming its line.

    Gold for a task that has no answers is ignored (there is nothing to clamp).
    """
    from engine.tables import Problems, read_file, read_labels

    name = str(path)
    gold, lines = read_labels(read_file(path), name, encoding=encoding)
    known = set(answers.label_values.tolist())
    problems = Problems(name)
    for task, label in gold.items():
        if label not in known:
            problems.add(lines[task], "label", f"gold label {label!r} of task {task!r} is "
                         "not a label of the answers file")  # fmt: skip
    problems.raise_if_any()
    return gold


def _fit(method: str, answers: AnswerSet, gold: dict[str, str] | None) -> Model:
    from quality.aggregation import (
        DawidSkene,
        MajorityVote,
        OneCoinDawidSkene,
        WeightedMajorityVote,
    )

    if method == "mv":
        return MajorityVote().fit(answers)
    if method == "ds":
        return DawidSkene().fit(answers, gold=gold)
    if method == "onecoin":
        return OneCoinDawidSkene().fit(answers, gold=gold)
    return WeightedMajorityVote().fit(answers, _gold_skills(answers, gold))


def _gold_skills(answers: AnswerSet, gold: dict[str, str] | None) -> np.ndarray:
    """Per-worker smoothed gold accuracy for the weighted vote (0.5 without gold)."""
    import numpy as np

    from quality.skill import smoothed_accuracy

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
    """Alpha at ``level``; ordinal and wider levels read the labels as numbers for it alone."""
    import math
    from dataclasses import replace

    import numpy as np

    from quality.agreement import alpha

    measured = answers
    if level != "nominal":
        numbers = []
        for label in answers.label_values.tolist():
            try:
                number = float(label)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise fail(f"--level {level} needs numeric labels; {label!r} is not a number")
            numbers.append(number)
        measured = replace(answers, label_values=np.array(numbers, dtype=np.float64))
    try:
        value = alpha(measured, level)  # type: ignore[arg-type]
    except ValueError as exc:
        raise fail(str(exc)) from None
    return None if not np.isfinite(value) else round(float(value), 6)


def _write_results(
    output: Path | None, answers: AnswerSet, labels: np.ndarray, confidence: np.ndarray
) -> None:
    """``task,label,confidence`` rows, ids written back as read (quoted only where CSV needs
    it), built as one string by `engine.columnar.result_rows`."""
    import sys

    import numpy as np

    from engine.columnar import result_rows

    tasks = _cells(answers.task_ids.tolist())
    values = _cells(answers.label_values.tolist())
    rows = result_rows(tasks, values, np.asarray(labels), np.asarray(confidence, dtype=float))
    text = "task,label,confidence\r\n" + rows.decode("utf-8")
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror}") from None


def _cells(values: list[str]) -> list[str]:
    """CSV cells as `csv.writer` writes them (quoted only when they hold ``,`` ``"`` or a line
    break); one look at all of them first, since almost always none needs quoting."""
    joined = "\n".join(values)
    if not any(char in joined for char in ',"\r') and joined.count("\n") == len(values) - 1:
        return values
    quoted = ('"' + value.replace('"', '""') + '"' for value in values)
    return [q if any(c in v for c in ',"\r\n') else v for v, q in zip(values, quoted, strict=True)]
