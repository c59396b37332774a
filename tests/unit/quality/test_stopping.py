"""Dynamic overlap: the posterior and the complete / more / review decision."""

from __future__ import annotations

import numpy as np
import pytest

from quality.stopping import Decision, decide, posterior

pytestmark = pytest.mark.unit


def test_toloka_worked_example() -> None:
    agreeing = posterior([0, 0], [0.7, 0.9], 3)
    assert round(float(agreeing[0]), 3) == 0.977
    disagreeing = posterior([0, 1], [0.7, 0.9], 3)
    assert int(np.argmax(disagreeing)) == 1
    assert round(float(disagreeing[1]), 3) == 0.761
    assert np.isclose(disagreeing.sum(), 1)


def test_posterior_is_stable_and_clipped() -> None:
    many = posterior([1] * 500, [0.99] * 500, 2)
    assert np.isfinite(many).all() and many[1] == pytest.approx(1.0)
    perfect = posterior([0, 1], [1.0, 1.0], 2)  # clipped: no division by zero
    assert np.allclose(perfect, [0.5, 0.5])
    assert np.allclose(posterior([], [], 4), 0.25)
    with pytest.raises(ValueError):
        posterior([3], [0.8], 3)
    with pytest.raises(ValueError):
        posterior([0], [0.8], 1)


def test_decide_complete_more_review() -> None:
    kwargs = {"min_overlap": 2, "max_overlap": 4, "confidence": 0.95}
    assert decide([0], [0.99], 3, **kwargs) == Decision("more", 0, pytest.approx(0.99))
    done = decide([2, 2], [0.7, 0.9], 3, **kwargs)
    assert (done.action, done.label) == ("complete", 2)
    assert decide([0, 1], [0.7, 0.9], 3, **kwargs).action == "more"
    review = decide([0, 1, 0, 1], [0.7, 0.7, 0.7, 0.7], 3, **kwargs)
    assert (review.action, review.label) == ("review", 0)  # tie → lowest code
    tied, other = (0.7 * 0.15) ** 2, 0.15**4  # classes 0 and 1, and class 2
    assert review.confidence == pytest.approx(tied / (2 * tied + other))


def test_decide_empty_and_invalid() -> None:
    kwargs = {"min_overlap": 0, "confidence": 0.9}
    assert decide([], [], 2, max_overlap=3, **kwargs) == Decision("more", None, 0.0)
    assert decide([], [], 2, max_overlap=0, **kwargs).action == "review"
    with pytest.raises(ValueError):
        decide([0], [0.9], 2, min_overlap=3, max_overlap=2, confidence=0.9)
