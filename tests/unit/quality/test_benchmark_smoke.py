"""The benchmark script still runs (small, without crowd-kit)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "aggregation.py"


def test_benchmark_runs_small() -> None:
    spec = importlib.util.spec_from_file_location("bench_aggregation", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines = module.main(["--answers", "5000", "--no-crowdkit"])
    text = "\n".join(lines)
    assert "essaim DawidSkene" in text and "crowd-kit DawidSkene" not in text
    assert text.count("equal=True") == 2  # our alpha equals the package's, for 4 and 20 classes
