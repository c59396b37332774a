"""The simulated crowd and the replay of recorded answers (engine/simulate.py, engine/replay.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from engine import services
from engine.replay import replay
from engine.simulate import simulate
from tests.integration.helpers import add_rows, make_project

pytestmark = pytest.mark.integration

BLUEBIRDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "bluebirds"


def test_simulated_crowd_completes_a_labeling_project(essaim):
    project = make_project(essaim, slug="sim", overlap={"min": 3, "max": 5}, confidence=0.9)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(40)])
    report = simulate(essaim, project.slug, contributors=9, accuracy=0.9, seed=7)
    assert report.refused == 0
    assert report.completion >= 0.9
    assert report.decided >= 36
    assert report.accuracy is not None and report.accuracy > 0.85
    assert 3 * 40 <= report.answers <= 5 * 40
    status = services.project_status(essaim.db, project.slug)
    assert status.answers == report.answers and status.contributors == 9


def test_simulated_noise_costs_more_answers(essaim):
    make_project(essaim, slug="clean", overlap={"min": 3, "max": 7}, confidence=0.9)
    make_project(essaim, slug="noisy", overlap={"min": 3, "max": 7}, confidence=0.9)
    rows = [{"id": f"r{i}", "text": f"row {i}"} for i in range(20)]
    add_rows(essaim, "clean", rows)
    add_rows(essaim, "noisy", rows)
    clean = simulate(essaim, "clean", contributors=9, accuracy=1.0, seed=2)
    noisy = simulate(essaim, "noisy", contributors=9, accuracy=0.7, seed=2)
    assert clean.answers == 60 and clean.accuracy == 1.0
    assert noisy.answers > clean.answers


@pytest.fixture
def bluebirds(essaim):
    if not BLUEBIRDS.is_dir():
        pytest.skip(f"{BLUEBIRDS} not present (shared data)")
    with (BLUEBIRDS / "truth.csv").open(encoding="utf-8") as handle:
        truth = {row["task"]: row["label"] for row in csv.DictReader(handle)}
    assert len(truth) == 108
    make_project(essaim, slug="birds", labels=["0", "1"], overlap={"min": 3, "max": 7},
                 confidence=0.9)  # fmt: skip
    add_rows(essaim, "birds", [{"id": task, "text": f"image {task}"} for task in truth])
    return truth


def test_replay_bluebirds_saves_answers_and_reports_accuracy(essaim, bluebirds):
    report = replay(essaim, "birds", BLUEBIRDS / "answers.csv", bluebirds)
    assert report.workers == 39 and report.recorded_answers == 4212
    assert report.skipped_offers == 0  # every worker labelled every image
    assert report.saved_share > 0.5  # measured: 0.90 (424 answers of 4212)
    assert report.items_with_truth >= 100  # measured: 103 decided
    # measured 0.65: this crowd is noisy (several workers below chance), plain majority
    # vote over all 39 answers per image reaches about 0.76
    assert report.accuracy is not None and 0.55 <= report.accuracy <= 0.85


def test_replay_offers_again_a_task_that_needs_more_answers(essaim, tmp_path):
    """A worker told "nothing for you" while the places were taken must be asked again
    once a disagreement raises the task's target: the recording has their answer."""
    make_project(essaim, slug="tiny", labels=["0", "1"], overlap={"min": 2, "max": 3},
                 confidence=0.9)  # fmt: skip
    add_rows(essaim, "tiny", [{"id": "t1", "text": "image 1"}])
    recording = tmp_path / "answers.csv"
    recording.write_text("task,worker,label\nt1,a,0\nt1,b,1\nt1,c,0\n", encoding="utf-8")
    report = replay(essaim, "tiny", recording)
    assert report.answers_used == 3
    assert report.tasks["open"] == 0
