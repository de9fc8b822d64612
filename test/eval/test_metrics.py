"""Hand-computed cases for the metric functions (GOT-10k protocol and OPE rules)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from smat_ros.eval import metrics

GT = np.array([[0.0, 0.0, 10.0, 10.0]] * 4)


def test_iou_of_known_boxes() -> None:
    a = np.array([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]])
    b = np.array([[5.0, 0.0, 10.0, 10.0], [20.0, 20.0, 5.0, 5.0], [0.0, 0.0, 10.0, 10.0]])
    assert metrics.iou(a, b) == pytest.approx([50 / 150, 0.0, 1.0])


def test_bounding_clips_corner_then_size_like_the_toolkit() -> None:
    boxes = np.array([[-10.0, 5.0, 50.0, 20.0], [90.0, 60.0, 30.0, 30.0]])
    bounded = metrics.bound_boxes(boxes, (100.0, 80.0))
    # x is clipped to 0 but w keeps 50 (the toolkit does not shorten w by the part left of the image)
    assert bounded.tolist() == [[0.0, 5.0, 50.0, 20.0], [90.0, 60.0, 10.0, 20.0]]
    assert boxes[0, 0] == -10.0  # inputs untouched


def test_got10k_scores_skip_first_frame_and_hidden_frames() -> None:
    gt = np.array([[0.0, 0.0, 10.0, 10.0]] * 5)
    pred = np.array([[50.0, 50.0, 1.0, 1.0],      # frame 1: never scored
                     [0.0, 0.0, 10.0, 10.0],      # IoU 1
                     [5.0, 0.0, 10.0, 10.0],      # IoU 1/3, but hidden
                     [0.0, 0.0, 10.0, 8.0],       # IoU 0.8
                     [0.0, 0.0, 10.0, 6.0]])      # IoU 0.6
    visible = np.array([True, True, False, True, True])
    ious = metrics.got10k_ious([pred], gt, visible, bound=None)
    assert ious == pytest.approx([1.0, 0.8, 0.6])
    scores = metrics.got10k_scores(ious)
    assert scores["AO"] == pytest.approx(0.8)
    assert scores["SR0.50"] == pytest.approx(1.0)
    assert scores["SR0.75"] == pytest.approx(2 / 3)
    assert metrics.got10k_scores(np.zeros(0)) == {"AO": None, "SR0.50": None, "SR0.75": None}


def test_ope_scores_of_a_four_frame_sequence() -> None:
    pred = np.array([[99.0, 99.0, 3.0, 3.0],      # replaced by the ground truth
                     [0.0, 0.0, 10.0, 10.0],      # IoU 1, error 0
                     [5.0, 0.0, 10.0, 10.0],      # IoU 1/3, error 5 px, normalised 0.5
                     [20.0, 20.0, 10.0, 10.0]])   # IoU 0, error 28.3 px
    curves = metrics.ope_curves(metrics.ope_errors(pred, GT, "otb"))
    scores = curves.scores()
    # frames 1-2 succeed at all 20 thresholds below 1, frame 3 at the 7 thresholds 0..0.30
    assert scores["success_auc"] == pytest.approx((2 * 20 + 7) / (4 * 21))
    assert scores["precision_20px"] == pytest.approx(3 / 4)
    assert scores["norm_precision"] == pytest.approx(2 / 4)
    assert curves.precision[28] == pytest.approx(3 / 4) and curves.precision[29] == pytest.approx(1.0)


def test_absent_frames_follow_each_datasets_rule() -> None:
    gt = GT.copy()
    gt[2] = np.nan
    pred = GT.copy()
    for family, center_hit in (("uav", True), ("otb", False), ("folder", False)):
        errors = metrics.ope_errors(pred, gt, family)
        assert errors.overlap[2] == -1.0
        assert (errors.center[2] <= 0) == center_hit
        assert errors.norm_center[2] == -1.0
        curves = metrics.ope_curves(errors)
        assert curves.success[0] == pytest.approx(3 / 4)  # absent frame: no overlap success, still counted
        assert curves.precision[20] == pytest.approx(1.0 if center_hit else 3 / 4)
        assert curves.norm_precision[20] == pytest.approx(1.0)


def test_lasot_hidden_frames_are_misses_everywhere() -> None:
    visible = np.array([True, True, False, True])
    errors = metrics.ope_errors(GT.copy(), GT, "lasot", visible)
    curves = metrics.ope_curves(errors)
    assert curves.success[0] == pytest.approx(3 / 4)
    assert curves.precision[20] == pytest.approx(3 / 4)
    assert curves.norm_precision[20] == pytest.approx(3 / 4)
    assert math.isinf(errors.center[2]) and math.isinf(errors.norm_center[2])


def test_zero_size_predictions_take_the_previous_box() -> None:
    pred = np.array([[0.0, 0.0, 10.0, 10.0], [2.0, 0.0, 10.0, 10.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 10.0, 0.0]])
    errors = metrics.ope_errors(pred, GT, "otb")
    assert errors.overlap[2] == pytest.approx(80 / 120) and errors.overlap[3] == pytest.approx(80 / 120)


def test_speed_is_the_mean_of_inverse_positive_times() -> None:
    assert metrics.speed_fps(np.array([0.1, 0.5, 0.0, np.nan])) == pytest.approx((10 + 2) / 2)
    assert metrics.speed_fps(np.zeros(0)) is None


def test_mean_curves_weigh_sequences_equally() -> None:
    one = metrics.OpeCurves(np.ones(21), np.ones(51), np.ones(51))
    zero = metrics.OpeCurves(np.zeros(21), np.zeros(51), np.zeros(51))
    assert metrics.mean_curves([one, zero, zero]).scores() == pytest.approx(
        {"success_auc": 1 / 3, "precision_20px": 1 / 3, "norm_precision": 1 / 3})


def test_grids_are_the_documented_ones() -> None:
    assert len(metrics.OVERLAP_THRESHOLDS) == 21 and metrics.OVERLAP_THRESHOLDS[10] == 0.5
    assert metrics.CENTER_THRESHOLDS[metrics.SCORE_INDEX] == 20.0
    assert metrics.NORM_CENTER_THRESHOLDS[metrics.SCORE_INDEX] == pytest.approx(0.2)
    assert metrics.NORM_CENTER_THRESHOLDS[-1] == pytest.approx(0.5) and len(metrics.NORM_CENTER_THRESHOLDS) == 51
