"""Evaluation report: metrics.json, a Markdown table and success / precision / normalised-precision plots (PNG).

metrics.json maps each tracker to ``{"overall": {...}, "sequences": {name: {...}}}`` with the keys of
:data:`smat_ros.eval.metrics.METRIC_KEYS`; scores are fractions in [0, 1], ``fps`` is frames per second, and a
figure that cannot be computed (no scored frame, no time file) is ``null``. Plots are drawn with matplotlib's Agg
canvas directly, leaving the global pyplot backend alone.
"""
from __future__ import annotations

import json
from collections.abc import Sequence as Seq
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from smat_ros.eval.analysis import TrackerScores
from smat_ros.eval.metrics import CENTER_THRESHOLDS, METRIC_KEYS, NORM_CENTER_THRESHOLDS, OVERLAP_THRESHOLDS

COLUMN_TITLES = {"AO": "AO", "SR0.50": "SR0.50", "SR0.75": "SR0.75", "success_auc": "Success AUC",
                 "precision_20px": "Precision@20px", "norm_precision": "Norm. precision@0.2", "fps": "FPS"}
PLOTS = {
    "success": ("Success plot (OPE)", "Overlap threshold", "Success rate", "success_auc"),
    "precision": ("Precision plot (OPE)", "Location error threshold [px]", "Precision", "precision_20px"),
    "norm_precision": ("Normalized precision plot (OPE)", "Normalized location error threshold", "Precision",
                       "norm_precision"),
}


def metrics_dict(scores: Seq[TrackerScores]) -> dict[str, dict]:
    """The metrics.json content."""
    return {t.name: {"overall": t.overall(),
                     "sequences": {name: s.metrics() for name, s in t.sequences.items()}} for t in scores}


def _cell(key: str, value: float | None) -> str:
    """One table cell: scores with 3 decimals, fps with 1, '-' when missing."""
    if value is None:
        return "-"
    return f"{value:.1f}" if key == "fps" else f"{value:.3f}"


def _table(rows: dict[str, dict[str, float | None]], first_column: str) -> list[str]:
    """Markdown table lines, one row per entry of ``rows``."""
    lines = ["| " + " | ".join([first_column] + [COLUMN_TITLES[k] for k in METRIC_KEYS]) + " |",
             "|" + "---|" * (len(METRIC_KEYS) + 1)]
    for label, values in rows.items():
        lines.append("| " + " | ".join([label] + [_cell(k, values[k]) for k in METRIC_KEYS]) + " |")
    return lines


def markdown_report(metrics: dict[str, dict], dataset: str) -> str:
    """Markdown: the overall table of all trackers, then one per-sequence table per tracker."""
    lines = [f"# Evaluation on {dataset}", "",
             "AO / SR: GOT-10k protocol. Success AUC / precision / normalized precision: OPE protocol. "
             "Scores are fractions in [0, 1].", ""]
    lines += _table({name: m["overall"] for name, m in metrics.items()}, "Tracker")
    for name, m in metrics.items():
        lines += ["", f"## {name}: per sequence", ""]
        lines += _table(m["sequences"], "Sequence")
    return "\n".join(lines) + "\n"


def plot_curves(scores: Seq[TrackerScores], kind: str, path: Path) -> None:
    """One PNG comparing the trackers' ``kind`` curves ('success', 'precision' or 'norm_precision')."""
    title, xlabel, ylabel, key = PLOTS[kind]
    grid = {"success": OVERLAP_THRESHOLDS, "precision": CENTER_THRESHOLDS,
            "norm_precision": NORM_CENTER_THRESHOLDS}[kind]
    figure = Figure(figsize=(6, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    ranked = sorted(scores, key=lambda t: -t.curves.scores()[key])
    for tracker in ranked:
        curve = getattr(tracker.curves, kind)
        axes.plot(grid, curve, linewidth=2, label=f"{tracker.name} [{tracker.curves.scores()[key]:.3f}]")
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(float(grid[0]), float(grid[-1])), ylim=(0, 1.01))
    axes.grid(True, linestyle=":")
    axes.legend(loc="lower right" if kind != "success" else "lower left")
    figure.tight_layout()
    figure.savefig(path, format="png")


def write_report(scores: Seq[TrackerScores], report: Path, dataset: str) -> dict[str, Path]:
    """Write metrics.json, report.md and the three plots into ``report``; returns their paths by name."""
    report.mkdir(parents=True, exist_ok=True)
    metrics = metrics_dict(scores)
    paths = {"metrics": report / "metrics.json", "markdown": report / "report.md"}
    paths["metrics"].write_text(json.dumps(metrics, indent=2, default=_json_number) + "\n")
    paths["markdown"].write_text(markdown_report(metrics, dataset))
    for kind in PLOTS:
        paths[kind] = report / f"{kind}.png"
        plot_curves(scores, kind, paths[kind])
    return paths


def _json_number(value: object) -> float:
    """JSON fallback for numpy scalars."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")
