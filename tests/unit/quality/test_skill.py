"""Smoothed gold accuracy and the choice between gold and Dawid-Skene skills."""

from __future__ import annotations

import numpy as np
import pytest

from quality.skill import combine_skills, smoothed_accuracy

pytestmark = pytest.mark.unit


def test_smoothed_accuracy_scalar_and_vector() -> None:
    assert smoothed_accuracy(0, 0) == 0.5
    assert smoothed_accuracy(1, 1) == 0.75
    assert smoothed_accuracy(9, 10, k=1) == pytest.approx(10 / 12)
    assert isinstance(smoothed_accuracy(3, 4), float)
    result = smoothed_accuracy(np.array([0, 2, 10]), np.array([0, 4, 10]))
    assert np.allclose(result, [0.5, 0.5, 10.5 / 11])


def test_smoothed_accuracy_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        smoothed_accuracy(5, 4)
    with pytest.raises(ValueError):
        smoothed_accuracy(1, 2, k=0)


def test_combine_skills_rules() -> None:
    result = combine_skills(
        gold_correct=[10, 1, 0, 1],
        gold_seen=[12, 2, 0, 1],
        ds_skill=[0.6, 0.9, np.nan, np.nan],
        min_gold=10,
    )
    assert result[0] == pytest.approx(10.5 / 13)  # enough gold: gold wins
    assert result[1] == 0.9  # little gold: Dawid-Skene
    assert result[2] == 0.5  # nothing known
    assert result[3] == 0.75  # no Dawid-Skene skill: the little gold there is
