"""Benchmark: our Dawid-Skene and alpha against crowd-kit and the krippendorff package.

Run:  .venv/bin/python benchmarks/aggregation.py [--answers N] [--no-crowdkit] [--shuffle]
                                                 [--repeat N]
      .venv/bin/python benchmarks/aggregation.py --whole-process [--answers N] [--classes K]

--whole-process times what a user runs, each as its own process: `essaim aggregate FILE -o OUT`
against a crowd-kit script (pandas.read_csv with string columns, DawidSkene with the same
n_iter and tol, labels written as CSV), on one generated CSV (ids with leading zeros, so
exactness shows), and compares the two outputs label by label.

Synthetic data: tasks × overlap 5, workers with accuracies drawn from Beta(6, 2) (mean 0.75)
plus 10% spammers at chance level; a wrong answer is a uniformly random other label. Each
worker answers distinct tasks of a task (no repeats), chosen uniformly. Rows come grouped by
task, as `synthetic` makes them; --shuffle puts them in random order (for both sides).

Both Dawid-Skene implementations start from the same pandas DataFrame with the same n_iter
and tol: crowd-kit's `fit(frame)` does its own input handling, so our time is
`AnswerSet.from_table(frame)` (coding the ids) plus `fit`, never a pre-coded AnswerSet. The
`AnswerSet coding` row shows the coding alone, for information.

Times come from plain runs (the best of --repeat, default 1, for every method alike); peak
memory from a separate run under tracemalloc (numpy and pandas register their buffers with
it), so tracing overhead never inflates the times.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality.aggregation import DawidSkene
from quality.agreement import alpha
from quality.answers import AnswerSet

OVERLAP = 5
TASKS_PER_WORKER = 500  # 1,000,000 answers → 2,000 workers
N_ITER, TOL = 100, 1e-5


def synthetic(
    n_answers: int, n_classes: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(task, worker, label, truth) with `overlap` answers per task by distinct workers."""
    rng = np.random.default_rng(seed)
    n_tasks = max(n_answers // OVERLAP, 1)
    n_workers = max(n_tasks * OVERLAP // TASKS_PER_WORKER, OVERLAP)
    accuracy = rng.beta(6, 2, n_workers)
    spammers = rng.random(n_workers) < 0.1
    accuracy[spammers] = 1.0 / n_classes
    truth = rng.integers(0, n_classes, n_tasks)
    # Distinct workers per task: a random offset walk modulo n_workers never repeats within
    # a task as long as OVERLAP <= n_workers.
    start = rng.integers(0, n_workers, n_tasks)
    steps = np.arange(OVERLAP) * max(n_workers // OVERLAP, 1)
    worker = ((start[:, None] + steps[None, :]) % n_workers).ravel()
    task = np.repeat(np.arange(n_tasks), OVERLAP)
    right = rng.random(len(task)) < accuracy[worker]
    wrong = (truth[task] + rng.integers(1, n_classes, len(task))) % n_classes
    label = np.where(right, truth[task], wrong)
    return task, worker, label, truth


class Meter:
    """Wall time (untraced runs) and tracemalloc peak (a separate run) of one call."""

    kind = "tracemalloc peak, separate run"

    def __init__(self, repeat: int = 1) -> None:
        self.repeat = max(repeat, 1)

    def run(self, fn: Callable[[], Any]) -> tuple[Any, float, float]:
        """(result of the first timed run, best seconds of `repeat` runs, MiB)."""
        result, best = None, float("inf")
        for i in range(self.repeat):
            gc.collect()
            start = time.perf_counter()
            value = fn()
            best = min(best, time.perf_counter() - start)
            if i == 0:
                result = value
            del value
        gc.collect()
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result, best, peak / 2**20


def _crowdkit() -> Any | None:
    """crowd-kit's DawidSkene class, or None when crowd-kit is not installed."""
    try:
        from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene
    except ImportError:
        return None
    return CrowdKitDawidSkene


def _value_counts(answers: AnswerSet) -> np.ndarray:
    """Dense units × values counts, the input the krippendorff package wants."""
    flat = np.bincount(
        answers.task * answers.n_labels + answers.label,
        minlength=answers.n_tasks * answers.n_labels,
    )
    return flat.reshape(answers.n_tasks, answers.n_labels)


def _ours(frame: Any, stop: str) -> tuple[DawidSkene, AnswerSet]:
    """Our side of the comparison, from the DataFrame crowd-kit gets: coding + fit."""
    answers = AnswerSet.from_table(frame)
    return DawidSkene(N_ITER, TOL, stop=stop).fit(answers), answers


def bench(
    n_answers: int,
    classes: list[int],
    use_crowdkit: bool = True,
    shuffle: bool = False,
    repeat: int = 1,
) -> list[str]:
    """Run every measurement and return the printed table lines."""
    meter = Meter(repeat)
    crowdkit = _crowdkit() if use_crowdkit else None
    lines = [
        f"answers={n_answers:,}  overlap={OVERLAP}  n_iter={N_ITER} tol={TOL}  "
        f"order={'shuffled' if shuffle else 'by task'}  best of {meter.repeat}  "
        f"memory = {meter.kind}",
        "essaim DawidSkene times start from the DataFrame crowd-kit gets: "
        "AnswerSet.from_table + fit",
    ]
    if use_crowdkit and crowdkit is None:
        lines.append("crowd-kit not installed: its rows are skipped")
    header = (
        f"{'classes':>7}  {'method':<22} {'seconds':>8} {'MiB':>8} {'iters':>5} "
        f"{'same labels':>11} {'accuracy':>8}  note"
    )
    lines += [header, "-" * len(header)]
    for n_classes in classes:
        task, worker, label, truth = synthetic(n_answers, n_classes)
        if shuffle:
            rows = np.random.default_rng(1).permutation(len(task))
            task, worker, label = task[rows], worker[rows], label[rows]
        frame = _frame(task, worker, label)
        answers, code_seconds, code_mib = meter.run(lambda f=frame: AnswerSet.from_table(f))
        lines.append(
            f"{n_classes:>7}  {'essaim AnswerSet coding':<22} {code_seconds:>8.2f} "
            f"{code_mib:>8.0f} {'':>5} {'':>11} {'':>8}  from_table, included in the two rows below"
        )
        truth_by_code = truth[answers.task_ids]
        (default, coded), d_seconds, d_mib = meter.run(lambda f=frame: _ours(f, "loglik"))
        default_labels = coded.label_values[default.labels_]
        lines.append(
            f"{n_classes:>7}  {'essaim DawidSkene':<22} {d_seconds:>8.2f} {d_mib:>8.0f} "
            f"{default.n_iter_:>5} {'':>11} {np.mean(default_labels == truth_by_code):>8.4f}"
            "  stop=loglik (default)"
        )
        (ours, coded), seconds, mib = meter.run(lambda f=frame: _ours(f, "elbo"))
        our_labels = coded.label_values[ours.labels_]
        lines.append(
            f"{n_classes:>7}  {'essaim DawidSkene':<22} {seconds:>8.2f} {mib:>8.0f} "
            f"{ours.n_iter_:>5} {'':>11} {np.mean(our_labels == truth_by_code):>8.4f}"
            "  stop=elbo, crowd-kit's stopping test"
        )
        if crowdkit is not None:
            model, ck_seconds, ck_mib = meter.run(
                lambda f=frame, m=crowdkit: m(n_iter=N_ITER, tol=TOL).fit(f)
            )
            ck_labels = model.labels_.reindex(answers.task_ids).to_numpy()
            same = np.mean(ck_labels == our_labels)  # same data, tolerance and stopping test
            lines.append(
                f"{n_classes:>7}  {'crowd-kit DawidSkene':<22} {ck_seconds:>8.2f} "
                f"{ck_mib:>8.0f} {len(model.loss_history_):>5} {same:>11.4%} "
                f"{np.mean(ck_labels == truth_by_code):>8.4f}  "
                f"essaim (elbo) {ck_seconds / seconds:.1f}x faster; default "
                f"agrees on {np.mean(ck_labels == default_labels):.4%}"
            )
        value, a_seconds, a_mib = meter.run(lambda a=answers: alpha(a))
        lines.append(
            f"{n_classes:>7}  {'essaim alpha':<22} {a_seconds:>8.2f} {a_mib:>8.0f} "
            f"{'':>5} {'':>11} {'':>8}  alpha={value:.6f}"
        )
        try:
            import krippendorff
        except ImportError:
            lines.append("krippendorff not installed: its row is skipped")
            continue
        counts = _value_counts(answers)
        package, k_seconds, k_mib = meter.run(
            lambda c=counts: krippendorff.alpha(value_counts=c, level_of_measurement="nominal")
        )
        lines.append(
            f"{n_classes:>7}  {'krippendorff.alpha':<22} {k_seconds:>8.2f} {k_mib:>8.0f} "
            f"{'':>5} {'':>11} {'':>8}  alpha={package:.6f} "
            f"equal={bool(np.isclose(value, package, rtol=0, atol=1e-9))}"
        )
    return lines


def _frame(task: np.ndarray, worker: np.ndarray, label: np.ndarray) -> Any:
    """The answers as crowd-kit's DataFrame, or as a dict of columns without pandas."""
    try:
        import pandas as pd
    except ImportError:
        return {"task": task, "worker": worker, "label": label}
    return pd.DataFrame({"task": task, "worker": worker, "label": label})


CROWDKIT_SCRIPT = """
import sys
import pandas as pd
from crowdkit.aggregation import DawidSkene
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
labels = DawidSkene(n_iter=int(sys.argv[3]), tol=float(sys.argv[4])).fit_predict(frame)
labels.rename("label").to_csv(sys.argv[2], index_label="task")
"""


def write_answers_csv(path: Path, n_answers: int, n_classes: int) -> None:
    """The synthetic answers as a CSV of exact strings: tasks 0000000.., workers w0.."""
    task, worker, label, _ = synthetic(n_answers, n_classes)
    rows = "".join(
        f"{t:07d},w{w},{lab}\n"
        for t, w, lab in zip(task.tolist(), worker.tolist(), label.tolist(), strict=True)
    )
    path.write_text("task,worker,label\n" + rows, encoding="utf-8")


def _timed(command: list[str], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs of a whole process, as a user runs it: with Python's
    bytecode cache (a sandbox's PYTHONDONTWRITEBYTECODE would recompile every module)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def _labels(path: Path) -> dict[str, str]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return {row["task"]: row["label"] for row in csv.DictReader(handle)}


def whole_process(
    n_answers: int, n_classes: int, use_crowdkit: bool = True, repeat: int = 1
) -> list[str]:
    """Time `essaim aggregate` and crowd-kit's whole process on the same generated file."""
    essaim = Path(sys.executable).with_name("essaim")
    with tempfile.TemporaryDirectory() as folder:
        answers = Path(folder) / "answers.csv"
        write_answers_csv(answers, n_answers, n_classes)
        ours_out, theirs_out = Path(folder) / "essaim.csv", Path(folder) / "crowdkit.csv"
        ours = _timed([str(essaim), "aggregate", str(answers), "-o", str(ours_out)], repeat)
        lines = [f"answers={n_answers:,}  classes={n_classes}  n_iter={N_ITER} tol={TOL}  "
                 f"file {answers.stat().st_size / 2**20:.1f} MiB  best of {repeat}",
                 f"essaim aggregate (whole process)   {ours:8.2f} s"]  # fmt: skip
        if not use_crowdkit or _crowdkit() is None:
            return [*lines, "crowd-kit not run"]
        theirs = _timed([sys.executable, "-c", CROWDKIT_SCRIPT, str(answers), str(theirs_out),
                         str(N_ITER), str(TOL)], repeat)  # fmt: skip
        mine, other = _labels(ours_out), _labels(theirs_out)
        same = sum(mine[task] == label for task, label in other.items())
        lines += [
            f"crowd-kit whole process            {theirs:8.2f} s",
            f"ratio                              {theirs / ours:8.1f}x faster",
            f"same tasks: {set(mine) == set(other)}  identical labels: {same:,} of "
            f"{len(other):,} ({same / max(len(other), 1):.4%})",
        ]
        return lines


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers per run")
    parser.add_argument("--classes", type=int, nargs="+", default=[4, 20])
    parser.add_argument("--no-crowdkit", action="store_true", help="skip crowd-kit rows")
    parser.add_argument(
        "--shuffle", action="store_true", help="answers in random order (same for both)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="time every method N times, keep the best"
    )
    parser.add_argument(
        "--whole-process", action="store_true",
        help="time `essaim aggregate` and crowd-kit as whole processes on one CSV",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.whole_process:
        lines = whole_process(args.answers, args.classes[0], use_crowdkit=not args.no_crowdkit,
                              repeat=args.repeat)  # fmt: skip
        for line in lines:
            print(line, flush=True)
        return lines
    lines = bench(
        args.answers,
        args.classes,
        use_crowdkit=not args.no_crowdkit,
        shuffle=args.shuffle,
        repeat=args.repeat,
    )
    for line in lines:
        print(line, flush=True)
    return lines


if __name__ == "__main__":
    main()
