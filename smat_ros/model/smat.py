"""The SMAT network: one class for training (full forward) and tracking (cached template features)."""
from __future__ import annotations

import torch
from torch import nn

from smat_ros.config import ModelConfig
from smat_ros.model.backbone import MobileViTv2Backbone
from smat_ros.model.head import CenterHead, decode_boxes
from smat_ros.model.neck import CorrelationNeck


class SMAT(nn.Module):
    """Separable Mixed-Attention Tracker: MobileViTv2 backbone, BN_PWXCORR neck, CENTER_SSAT head."""

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.config = config
        self.backbone = MobileViTv2Backbone(config.width_multiplier, config.mixed_attention)
        template_cells = (config.template_size // config.stride) ** 2
        self.neck = CorrelationNeck(self.backbone.out_channels, template_cells, config.head_channels)
        self.head = CenterHead(config.head_channels, config.head_cls_blocks, config.head_reg_blocks)

    def template_features(self, template: torch.Tensor) -> torch.Tensor:
        """Template crop [B, 3, 128, 128] (RGB / 255) -> cached features [B, 128, 4, 64] (template-only work)."""
        return self.backbone.template_tokens(template)

    def track(self, template_features: torch.Tensor, search: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cached template features + search crop [B, 3, 256, 256] -> score/size/offset maps and the peak box."""
        x, z = self.backbone(search, template_features)
        score_map, size_map, offset_map = self.head(self.neck(x, z))
        boxes, _, _ = decode_boxes(score_map, size_map, offset_map)
        return {
            "score_map": score_map,  # [B, 1, 16, 16]
            "size_map": size_map,  # [B, 2, 16, 16]
            "offset_map": offset_map,  # [B, 2, 16, 16]
            "pred_boxes": boxes.unsqueeze(1),  # [B, 1, 4] normalised (cx, cy, w, h) in the search crop
        }

    def forward(self, template: torch.Tensor, search: torch.Tensor) -> dict[str, torch.Tensor]:
        """Full forward for training: template crop and search crop -> the outputs of :meth:`track`."""
        return self.track(self.template_features(template), search)
