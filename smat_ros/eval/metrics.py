"""Tracking metrics: GOT-10k AO / SR and one-pass-evaluation (OPE) success, precision, normalised precision.

Boxes are ``x, y, w, h`` float64 arrays (N, 4). Two protocols, each as its official toolkit defines it:

GOT-10k protocol (AO, SR0.50, SR0.75, speed), as ``got10k.experiments.ExperimentGOT10k`` (got10k 0.1.3):
- the first frame (the initialisation) is left out; of the others only frames whose target is visible count
  (GOT-10k: ``cover.label > 0``; other datasets: their own visibility labels, else a finite ground-truth box
  with positive width and height);
- IoU is the toolkit's ``rect_iou``: ``inter / (union + eps)`` clipped to [0, 1]; on GOT-10k both boxes are first
  bounded to the image (``meta_info.ini`` resolution) with the toolkit's clipping, which clips ``x, y`` to the
  image and then ``w, h`` to the space left right of / below the clipped corner;
- AO = mean IoU, SR@t = fraction of IoUs > t; several repetitions of a sequence are pooled; the overall figures
  pool the frames of all sequences (frame-weighted, as the toolkit concatenates them);
- speed = mean of 1 / t over every frame time > 0 (NaNs dropped), pooled over all sequences likewise; this one
  speed figure is reported for every dataset (the got10k toolkit's OTB-style experiments would instead average
  per-sequence speeds).

OPE protocol (success AUC, precision@20 px, normalised precision@0.2), as the reference's pytracking analysis
(``lib/test/analysis/extract_results.py``: ``calc_seq_err_robust``, a port of the OTB toolkit's
``calcSeqErrRobust.m``; the got10k toolkit's OTB/UAV123/NfS experiments agree wherever the ground truth is valid):
- the first predicted box is replaced by the ground truth; a later prediction with zero width or height is
  replaced by the previous prediction (when the ground truth of that frame is finite);
- centre = ``x + (w - 1) / 2`` (pixel convention); normalised centre error divides both centres by the
  ground-truth ``w, h``;
- grids: overlap thresholds ``linspace(0, 1, 21)`` with ``IoU > t`` (extract_results' default
  ``plot_bin_gap=0.05`` gives ``torch.arange(0, 1.05, 0.05)``: the same 21 values up to 1.1e-16 at 0.65 and 0.75;
  the got10k toolkit and pysot use exactly this grid), centre thresholds 0..50 px and normalised 0..0.5 in
  51 steps with ``error <= t``; success AUC = mean of the 21-point success curve (IoU > 1 never holds, so a
  perfect tracker scores 20/21 = 0.952, as in those toolkits), precision = the curve at 20 px, normalised
  precision = the curve at 0.2 (index 20 of each);
- every frame counts in the denominator (``exclude_invalid_frames=False``); frames whose ground truth has no
  positive width and height ("invalid") never count as overlap successes; their centre error counts as a miss,
  except on UAV123 where it counts as a hit (error -1, OTB toolkit rule); their normalised error counts as a hit
  (error -1) as the reference does; on LaSOT, frames marked fully occluded or out of view are invalid too, and
  both their centre errors count as misses (reference rule for LaSOT);
- curves are averaged over sequences (each sequence weighs the same), then scored.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence as Seq

import numpy as np

OVERLAP_THRESHOLDS = np.linspace(0.0, 1.0, 21)
CENTER_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORM_CENTER_THRESHOLDS = np.arange(0, 51, dtype=np.float64) / 100.0
SCORE_INDEX = 20
SR_THRESHOLDS = (0.5, 0.75)
METRIC_KEYS = ("AO", "SR0.50", "SR0.75", "success_auc", "precision_20px", "norm_precision", "fps")


def bound_boxes(boxes: np.ndarray, bound: tuple[float, float]) -> np.ndarray:
    """Boxes clipped into a (width, height) image the way the got10k toolkit's ``rect_iou`` does it."""
    boxes = np.array(boxes, dtype=np.float64, copy=True)
    width, height = bound
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


def iou(boxes1: np.ndarray, boxes2: np.ndarray, bound: tuple[float, float] | None = None) -> np.ndarray:
    """Intersection over union (N,) of two box arrays (N, 4), optionally bounded to the image."""
    if bound is not None:
        boxes1, boxes2 = bound_boxes(boxes1, bound), bound_boxes(boxes2, bound)
    left = np.maximum(boxes1[:, 0], boxes2[:, 0])
    top = np.maximum(boxes1[:, 1], boxes2[:, 1])
    right = np.minimum(boxes1[:, 0] + boxes1[:, 2], boxes2[:, 0] + boxes2[:, 2])
    bottom = np.minimum(boxes1[:, 1] + boxes1[:, 3], boxes2[:, 1] + boxes2[:, 3])
    inter = np.maximum(right - left, 0) * np.maximum(bottom - top, 0)
    union = boxes1[:, 2] * boxes1[:, 3] + boxes2[:, 2] * boxes2[:, 3] - inter
    return np.clip(inter / (union + np.finfo(np.float64).eps), 0.0, 1.0)


def centers(boxes: np.ndarray) -> np.ndarray:
    """Box centres (N, 2) in the pixel convention ``x + (w - 1) / 2``."""
    return boxes[:, :2] + (boxes[:, 2:] - 1.0) / 2.0


def got10k_ious(runs: Seq[np.ndarray], groundtruth: np.ndarray, visible: np.ndarray,
                bound: tuple[float, float] | None) -> np.ndarray:
    """IoUs of frames 2..N with a visible target, pooled over the runs (repetitions) of one sequence."""
    keep = np.asarray(visible[1:], dtype=bool)
    return np.concatenate([iou(run[1:], groundtruth[1:], bound)[keep] for run in runs])


def got10k_scores(ious: np.ndarray) -> dict[str, float | None]:
    """AO, SR0.50 and SR0.75 of pooled IoUs (None when there is no frame to score)."""
    if len(ious) == 0:
        return {"AO": None, "SR0.50": None, "SR0.75": None}
    scores: dict[str, float | None] = {"AO": float(np.mean(ious))}
    for threshold in SR_THRESHOLDS:
        scores[f"SR{threshold:.2f}"] = float(np.mean(ious > threshold))
    return scores


def speed_fps(times: np.ndarray) -> float | None:
    """Mean of 1 / t over the positive, finite frame times (None when there is none)."""
    times = np.asarray(times, dtype=np.float64)
    times = times[np.isfinite(times) & (times > 0)]
    return float(np.mean(1.0 / times)) if len(times) else None


def _fill_empty_predictions(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """Replace zero-size predictions by the previous prediction where the ground truth is finite."""
    boxes = boxes.copy()
    finite = np.isfinite(groundtruth).all(axis=1)
    for i in range(1, len(boxes)):
        if (boxes[i, 2:] == 0).any() and finite[i]:
            boxes[i] = boxes[i - 1]
    return boxes


@dataclasses.dataclass(frozen=True)
class OpeErrors:
    """Per-frame OPE errors of one run (N,): overlap (-1 = invalid), centre and normalised centre errors."""

    overlap: np.ndarray
    center: np.ndarray
    norm_center: np.ndarray


def ope_errors(boxes: np.ndarray, groundtruth: np.ndarray, family: str,
               visible: np.ndarray | None = None) -> OpeErrors:
    """Per-frame overlap and centre errors under the reference's OPE rules for dataset ``family``."""
    boxes = _fill_empty_predictions(boxes, groundtruth)
    boxes[0] = groundtruth[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = (groundtruth[:, 2] > 0) & (groundtruth[:, 3] > 0)
        hidden = np.zeros(len(boxes), dtype=bool)
        if family == "lasot" and visible is not None:
            hidden = ~np.asarray(visible, dtype=bool)
            valid &= ~hidden
        gt_centers, box_centers = centers(groundtruth), centers(boxes)
        center = np.sqrt(((box_centers - gt_centers) ** 2).sum(axis=1))
        scale = groundtruth[:, 2:]
        norm_center = np.sqrt(((box_centers / scale - gt_centers / scale) ** 2).sum(axis=1))
        overlap = iou(boxes, groundtruth)
    overlap[~valid] = -1.0
    center[~valid] = -1.0 if family == "uav" else np.inf
    norm_center[~valid] = -1.0
    center[hidden] = np.inf
    norm_center[hidden] = np.inf
    return OpeErrors(overlap, center, norm_center)


@dataclasses.dataclass(frozen=True)
class OpeCurves:
    """Success (21), precision (51) and normalised precision (51) curves, fractions in [0, 1]."""

    success: np.ndarray
    precision: np.ndarray
    norm_precision: np.ndarray

    def scores(self) -> dict[str, float]:
        """Success AUC, precision at 20 px and normalised precision at 0.2."""
        return {"success_auc": float(np.mean(self.success)),
                "precision_20px": float(self.precision[SCORE_INDEX]),
                "norm_precision": float(self.norm_precision[SCORE_INDEX])}


def ope_curves(errors: OpeErrors) -> OpeCurves:
    """Curves of one run: fraction of all frames under each threshold."""
    frames = len(errors.overlap)
    return OpeCurves(
        success=(errors.overlap[:, None] > OVERLAP_THRESHOLDS[None, :]).sum(axis=0) / frames,
        precision=(errors.center[:, None] <= CENTER_THRESHOLDS[None, :]).sum(axis=0) / frames,
        norm_precision=(errors.norm_center[:, None] <= NORM_CENTER_THRESHOLDS[None, :]).sum(axis=0) / frames,
    )


def mean_curves(curves: Seq[OpeCurves]) -> OpeCurves:
    """Curves averaged over sequences (or over the repetitions of one sequence)."""
    return OpeCurves(
        success=np.mean([c.success for c in curves], axis=0),
        precision=np.mean([c.precision for c in curves], axis=0),
        norm_precision=np.mean([c.norm_precision for c in curves], axis=0),
    )
