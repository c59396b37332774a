"""The benchmark script still runs (small, without crowd-kit) and times honestly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "aggregation.py"


def _module():
    spec = importlib.util.spec_from_file_location("bench_aggregation", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_small() -> None:
    lines = _module().main(["--answers", "5000", "--no-crowdkit"])
    text = "\n".join(lines)
    assert "essaim DawidSkene" in text and "crowd-kit DawidSkene" not in text
    assert text.count("equal=True") == 2  # our alpha equals the package's, for 4 and 20 classes


def test_benchmark_shuffled_and_repeated() -> None:
    lines = _module().main(
        ["--answers", "3000", "--classes", "3", "--no-crowdkit", "--shuffle", "--repeat", "2"]
    )
    assert "order=shuffled" in lines[0] and "best of 2" in lines[0]
    assert sum(line.split()[1:3] == ["essaim", "DawidSkene"] for line in lines) == 2


def test_our_timing_starts_from_the_dataframe(monkeypatch: pytest.MonkeyPatch) -> None:
    # What is timed for us is coding + fit from the frame crowd-kit gets, not a pre-coded
    # AnswerSet: every timed call builds its own AnswerSet.
    module = _module()
    built = []
    original = module.AnswerSet.from_table

    def counting(table, *args, **kwargs):
        built.append(table)
        return original(table, *args, **kwargs)

    monkeypatch.setattr(module.AnswerSet, "from_table", counting)
    frame = module._frame(*module.synthetic(2000, 3)[:3])
    model, answers = module._ours(frame, "elbo")
    assert built == [frame] and model.probas_.shape == (answers.n_tasks, 3)
    assert model.n_iter_ >= 1
