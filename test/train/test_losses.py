"""Focal, GIoU and L1 losses against hand-computed values, and their reference weighting."""
from __future__ import annotations

import math

import pytest
import torch

from smat_ros.errors import DivergedError
from smat_ros.train.config import LossConfig
from smat_ros.train.losses import TrackingLoss, focal_loss, generalized_iou
from smat_ros.train.targets import center_heatmaps


def test_focal_loss_by_hand() -> None:
    """Two positives (target 1 and 0.5 > 0.1) and two negatives (0 and 0.05) in a 2x2 map."""
    pred = torch.tensor([[[[0.8, 0.6], [0.3, 0.1]]]])
    target = torch.tensor([[[[1.0, 0.5], [0.0, 0.05]]]])
    positive = math.log(0.8) * 0.2 ** 2 + math.log(0.6) * 0.4 ** 2
    negative = math.log(0.7) * 0.3 ** 2 * 1.0 ** 4 + math.log(0.9) * 0.1 ** 2 * 0.95 ** 4
    expected = -(positive + negative) / 2
    assert math.isclose(float(focal_loss(pred, target)), expected, rel_tol=1e-6)


def test_focal_loss_without_positives_is_the_negative_sum() -> None:
    """With no cell above 0.1 the loss is minus the (unnormalised) negative term."""
    pred = torch.tensor([[[[0.2, 0.4]]]])
    target = torch.zeros(1, 1, 1, 2)
    expected = -(math.log(0.8) * 0.2 ** 2 + math.log(0.6) * 0.4 ** 2)
    assert math.isclose(float(focal_loss(pred, target)), expected, rel_tol=1e-6)


def test_generalized_iou_by_hand() -> None:
    """[0,0,2,2] vs [1,1,3,3]: IoU 1/7, hull 9, GIoU 1/7 - (9-7)/9; disjoint boxes give a negative GIoU."""
    boxes1 = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
    boxes2 = torch.tensor([[1.0, 1.0, 3.0, 3.0], [2.0, 0.0, 3.0, 1.0]])
    giou, iou = generalized_iou(boxes1, boxes2)
    assert math.isclose(float(iou[0]), 1 / 7, rel_tol=1e-6)
    assert math.isclose(float(giou[0]), 1 / 7 - 2 / 9, rel_tol=1e-6)
    assert float(iou[1]) == 0.0
    assert math.isclose(float(giou[1]), -1 / 3, rel_tol=1e-6)


def test_tracking_loss_weights_and_terms() -> None:
    """Total = 2*(1-GIoU) + 5*L1 + focal for one predicted box against a ground-truth box."""
    gt = torch.tensor([[0.25, 0.25, 0.5, 0.5]])  # x,y,w,h -> corners 0.25..0.75
    pred_boxes = torch.tensor([[[0.5, 0.5, 0.4, 0.6]]])  # cx,cy,w,h -> corners 0.3,0.2,0.7,0.8
    score = torch.full((1, 1, 16, 16), 0.3)
    outputs = {"pred_boxes": pred_boxes, "score_map": score}
    terms = TrackingLoss(LossConfig(), 256, 16)(outputs, gt)
    inter, union, hull = 0.4 * 0.5, 0.25 + 0.24 - 0.2, 0.5 * 0.6
    giou = inter / union - (hull - union) / hull
    l1 = (0.05 + 0.05 + 0.05 + 0.05) / 4
    focal = float(focal_loss(score, center_heatmaps(gt, 256, 16)))
    assert math.isclose(terms.giou, 1 - giou, rel_tol=1e-5)
    assert math.isclose(terms.l1, l1, rel_tol=1e-5)
    assert math.isclose(terms.iou, inter / union, rel_tol=1e-5)
    assert math.isclose(float(terms.total), 2 * (1 - giou) + 5 * l1 + focal, rel_tol=1e-5)
    weighted = TrackingLoss(LossConfig(giou_weight=0.0, l1_weight=1.0, focal_weight=0.0), 256, 16)(outputs, gt)
    assert math.isclose(float(weighted.total), l1, rel_tol=1e-5)


def test_nan_boxes_raise() -> None:
    """A diverged network (NaN boxes) stops training with a clear error."""
    outputs = {"pred_boxes": torch.full((1, 1, 4), float("nan")), "score_map": torch.full((1, 1, 16, 16), 0.5)}
    with pytest.raises(DivergedError, match="NaN"):
        TrackingLoss(LossConfig(), 256, 16)(outputs, torch.tensor([[0.1, 0.1, 0.2, 0.2]]))
