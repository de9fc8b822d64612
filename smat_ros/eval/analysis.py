"""Scores of trackers' result folders on a dataset: per sequence and overall, both protocols of ``metrics``."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence as Seq
from pathlib import Path

import numpy as np

from smat_ros.datasets import Sequence
from smat_ros.eval.errors import EvalError
from smat_ros.eval.metrics import OpeCurves, got10k_ious, got10k_scores, mean_curves, ope_curves, ope_errors, speed_fps
from smat_ros.eval.results import read_repetitions, read_times


@dataclasses.dataclass(frozen=True)
class SequenceScores:
    """What one sequence contributes: GOT-10k protocol IoUs, OPE curves, frame times."""

    ious: np.ndarray
    curves: OpeCurves
    times: np.ndarray

    def metrics(self) -> dict[str, float | None]:
        """The metric keys of metrics.json for this sequence."""
        return {**got10k_scores(self.ious), **self.curves.scores(), "fps": speed_fps(self.times)}


@dataclasses.dataclass(frozen=True)
class TrackerScores:
    """Scores of one tracker: per sequence, and pooled / averaged over the dataset."""

    name: str
    sequences: dict[str, SequenceScores]

    @property
    def curves(self) -> OpeCurves:
        """OPE curves averaged over sequences."""
        return mean_curves([s.curves for s in self.sequences.values()])

    def overall(self) -> dict[str, float | None]:
        """Dataset figures: IoUs and times pooled over frames (GOT-10k), curves averaged over sequences (OPE)."""
        ious = np.concatenate([s.ious for s in self.sequences.values()])
        times = np.concatenate([s.times for s in self.sequences.values()])
        return {**got10k_scores(ious), **self.curves.scores(), "fps": speed_fps(times)}


def _got10k_valid(sequence: Sequence) -> np.ndarray:
    """Frames the GOT-10k protocol scores: the dataset's visibility, else a usable ground-truth box."""
    gt = sequence.groundtruth
    usable = np.isfinite(gt).all(axis=1) & (np.nan_to_num(gt[:, 2]) > 0) & (np.nan_to_num(gt[:, 3]) > 0)
    if sequence.visible is None:
        return usable
    return np.asarray(sequence.visible, dtype=bool) & np.isfinite(gt).all(axis=1)


def score_sequence(sequence: Sequence, results: Path, family: str) -> SequenceScores:
    """Score the recorded run(s) of one sequence; EvalError when its ground truth or results are unusable."""
    if not sequence.fully_annotated:
        raise EvalError(f"{sequence.annotation}: ground truth holds the first frame only; this split is scored by "
                        "its evaluation server (submit the zip written by 'smat-eval run')")
    runs = read_repetitions(results, family, sequence.name, len(sequence))
    ious = got10k_ious(runs, sequence.groundtruth, _got10k_valid(sequence), sequence.resolution)
    curves = mean_curves([ope_curves(ope_errors(run, sequence.groundtruth, family, sequence.visible))
                          for run in runs])
    return SequenceScores(ious, curves, read_times(results, family, sequence.name))


def score_tracker(name: str, sequences: Seq[Sequence], results: Path, family: str) -> TrackerScores:
    """Score one tracker's result folder over the given sequences."""
    if not results.is_dir():
        raise EvalError(f"{results}: results folder of '{name}' not found")
    return TrackerScores(name, {s.name: score_sequence(s, results, family) for s in sequences})
