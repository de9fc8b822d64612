"""Training losses of the reference: weighted focal loss on the score map, GIoU and L1 on the boxes."""
from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from smat_ros.errors import DivergedError
from smat_ros.train.config import LossConfig
from smat_ros.train.targets import center_heatmaps

FOCAL_ALPHA = 2.0
FOCAL_BETA = 4.0
POSITIVE_THRESHOLD = 0.1


def focal_loss(prediction: torch.Tensor, target: torch.Tensor, alpha: float = FOCAL_ALPHA,
               beta: float = FOCAL_BETA) -> torch.Tensor:
    """CenterNet-style focal loss; cells with target > 0.1 are positives, those below are negatives weighted by
    (1 - target)^beta; the sum is divided by the number of positives (when there are any)."""
    positive = target.gt(POSITIVE_THRESHOLD).float()
    negative = target.lt(POSITIVE_THRESHOLD).float()
    prediction = prediction.clamp(min=1e-12)
    positive_loss = (torch.log(prediction) * (1 - prediction) ** alpha * positive).sum()
    negative_loss = (torch.log(1 - prediction) * prediction ** alpha * (1 - target) ** beta * negative).sum()
    num_positive = positive.sum()
    if num_positive == 0:
        return -negative_loss
    return -(positive_loss + negative_loss) / num_positive


def cxcywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    """(..., 4) centre/size boxes to corner boxes."""
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def xywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    """(..., 4) top-left/size boxes to corner boxes."""
    x, y, w, h = boxes.unbind(-1)
    return torch.stack([x, y, x + w, y + h], dim=-1)


def generalized_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise (GIoU, IoU) of two (N, 4) corner-box tensors; union and hull areas floored at 1e-12."""
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    inter_wh = (torch.min(boxes1[:, 2:], boxes2[:, 2:]) - torch.max(boxes1[:, :2], boxes2[:, :2])).clamp(min=0)
    inter = inter_wh[:, 0] * inter_wh[:, 1]
    union = (area1 + area2 - inter).clamp(min=1e-12)
    iou = inter / union
    hull_wh = (torch.max(boxes1[:, 2:], boxes2[:, 2:]) - torch.min(boxes1[:, :2], boxes2[:, :2])).clamp(min=0)
    hull = (hull_wh[:, 0] * hull_wh[:, 1]).clamp(min=1e-12)
    return iou - (hull - union) / hull, iou


@dataclasses.dataclass
class LossTerms:
    """The weighted total and its parts (plain floats except ``total``) for one batch."""

    total: torch.Tensor
    giou: float
    l1: float
    focal: float
    iou: float

    def as_dict(self) -> dict[str, float]:
        """Scalars for logging."""
        return {"loss": float(self.total.detach()), "giou": self.giou, "l1": self.l1, "focal": self.focal,
                "iou": self.iou}


class TrackingLoss:
    """``giou_weight * (1 - GIoU) + l1_weight * L1 + focal_weight * focal`` as the reference's actor."""

    def __init__(self, config: LossConfig, search_size: int, stride: int) -> None:
        """Keep the weights and the heatmap geometry."""
        self.config = config
        self.search_size = search_size
        self.stride = stride

    def __call__(self, outputs: dict[str, torch.Tensor], search_boxes: torch.Tensor) -> LossTerms:
        """Loss of the network ``outputs`` against ground-truth boxes (B, 4) x,y,w,h normalised to the search."""
        pred_boxes = outputs["pred_boxes"]
        if torch.isnan(pred_boxes).any():
            raise DivergedError("the network predicted NaN boxes; training diverged")
        num_queries = pred_boxes.shape[1]
        pred = cxcywh_to_xyxy(pred_boxes).reshape(-1, 4).float()  # (B, N, 4) -> (B*N, 4)
        gt = xywh_to_xyxy(search_boxes)[:, None, :].expand(-1, num_queries, -1).reshape(-1, 4)  # (B*N, 4)
        gt = gt.clamp(min=0.0, max=1.0).float()
        giou, iou = generalized_iou(pred, gt)
        giou_loss = (1 - giou).mean()
        l1_loss = F.l1_loss(pred, gt)
        heatmaps = center_heatmaps(search_boxes, self.search_size, self.stride)
        location_loss = focal_loss(outputs["score_map"].float(), heatmaps)
        total = (self.config.giou_weight * giou_loss + self.config.l1_weight * l1_loss
                 + self.config.focal_weight * location_loss)
        return LossTerms(total, float(giou_loss.detach()), float(l1_loss.detach()),
                         float(location_loss.detach()), float(iou.detach().mean()))
