"""The bars of `essaim batch add`: one a stage, rows and rows/s, inline or from a worker."""

from __future__ import annotations

from engine.cli.data import _advance, _progress, _RateColumn


def _bars(progress):
    return {task.description: task for task in progress.tasks}


def test_one_bar_a_stage_counts_its_rows():
    progress = _progress()
    advance = _advance(progress, "b.csv")
    advance("reading", 3)
    advance("reading", 2)
    advance("storing", 5)
    bars = _bars(progress)
    assert [bar.completed for bar in bars.values()] == [5, 5]
    assert list(bars) == ["reading b.csv", "storing b.csv"]
    assert all(bar.visible for bar in bars.values())


def test_the_queued_spinner_goes_once_the_worker_reports_rows():
    progress = _progress()
    advance = _advance(progress, "b.csv")
    advance("queued", 0)
    assert _bars(progress)["queued b.csv"].visible  # a spinner while no worker said a word
    advance("reading", 0)  # a stage with no rows yet does not end it
    assert _bars(progress)["queued b.csv"].visible
    advance("reading", 4)
    bars = _bars(progress)
    assert not bars["queued b.csv"].visible and bars["reading b.csv"].completed == 4


def test_the_rate_column_says_rows_per_second():
    progress = _progress()
    times = iter([0.0, 0.0, 1.0, 2.0, 2.0, 2.0])
    progress.get_time = lambda: next(times)  # type: ignore[method-assign]
    advance = _advance(progress, "b.csv")
    advance("reading", 1000)
    advance("reading", 1000)
    text = _RateColumn().render(progress.tasks[0])
    assert str(text).endswith("rows/s") and str(text)[0].isdigit()
