"""Sample documents shipped for ``essaim demo`` and the tests."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent


def sample_names() -> list[str]:
    """File names of the shipped samples."""
    return sorted(p.name for p in SAMPLES_DIR.iterdir() if p.is_file() and p.suffix != ".py")


def sample_path(name: str) -> Path:
    """Path of a shipped sample, e.g. ``sample_path("labels.csv")``."""
    path = SAMPLES_DIR / name
    if path.parent != SAMPLES_DIR or not path.is_file():
        raise FileNotFoundError(f"no sample named {name!r}; available: {', '.join(sample_names())}")
    return path
