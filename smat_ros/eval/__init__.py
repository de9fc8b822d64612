"""Benchmark evaluation: official dataset layouts, runs with resume, official result formats, metrics, reports."""
from smat_ros.eval.analysis import SequenceScores, TrackerScores, score_sequence, score_tracker
from smat_ros.eval.datasets import DATASETS, Dataset, Sequence, load_dataset
from smat_ros.eval.errors import EvalError
from smat_ros.eval.report import write_report
from smat_ros.eval.runner import CheckpointTracker, RunSummary, run_sequences, track_sequence

__all__ = [
    "DATASETS", "CheckpointTracker", "Dataset", "EvalError", "RunSummary", "Sequence", "SequenceScores",
    "TrackerScores", "load_dataset", "run_sequences", "score_sequence", "score_tracker", "track_sequence",
    "write_report",
]
