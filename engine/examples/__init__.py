"""Example project specs, used by `essaim demo` and as templates for new projects."""

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent


def example_spec(name: str) -> Path:
    return EXAMPLES_DIR / f"{name}.toml"
