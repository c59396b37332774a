"""The quality chart (PNG): workers' skills and agreement per batch, for requesters."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def quality_chart(report: dict[str, Any], path: str | Path) -> Path:
    """Draw the chart of a `quality_report`; returns the file written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workers = report["workers"]
    batches = report["batches"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    skills = sorted(w["skill"] for w in workers)
    colours = ["#c0392b" if w["suspended"] else "#2e86c1"
               for w in sorted(workers, key=lambda w: w["skill"])]  # fmt: skip
    left.bar(range(len(skills)), skills, color=colours)
    left.set_ylim(0, 1)
    left.set_title(f"Worker skill ({len(workers)} contributors; red: suspended)")
    left.set_xlabel("contributors, by skill")
    left.set_ylabel("estimated accuracy")
    names = [f"batch {b['batch']}" for b in batches]
    alphas = [b["alpha"] if b["alpha"] is not None else 0.0 for b in batches]
    right.bar(names, alphas, color="#28b463")
    right.axhline(0.667, color="#7f8c8d", linestyle="--", linewidth=1)
    right.set_ylim(min(0.0, *alphas) if alphas else 0.0, 1)
    right.set_title(f"Krippendorff's alpha ({report['level']}) per batch")
    figure.suptitle(f"{report['project']}: alpha {report['alpha']}, "
                    f"review backlog {report['review_backlog']}")  # fmt: skip
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=100, format="png")  # the very name given, never name + ".png"
    plt.close(figure)
    return target
