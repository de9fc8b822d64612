"""Benchmark evaluation: official dataset layouts, runs with resume, official result formats, metrics, reports.

The names below are loaded on first use (PEP 562): the report needs matplotlib (``pip install 'smat_ros[eval]'``),
the runner needs torch, and neither should be paid for by code that only reads a dataset or scores results.
"""
from __future__ import annotations

from smat_ros.lazy_imports import lazy_getattr

_LAZY = {
    "SequenceScores": "smat_ros.eval.analysis", "TrackerScores": "smat_ros.eval.analysis",
    "score_sequence": "smat_ros.eval.analysis", "score_tracker": "smat_ros.eval.analysis",
    "DATASETS": "smat_ros.datasets", "Sequence": "smat_ros.datasets", "load_dataset": "smat_ros.datasets",
    "EvalError": "smat_ros.eval.errors",
    "write_report": "smat_ros.eval.report", "CheckpointTracker": "smat_ros.eval.runner",
    "RunSummary": "smat_ros.eval.runner", "run_sequences": "smat_ros.eval.runner",
    "track_sequence": "smat_ros.eval.runner",
}
__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
