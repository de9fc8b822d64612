"""SMAT's two inference graphs as modules with tensor-only signatures, for tracing, compiling and ONNX export."""
from __future__ import annotations

import torch
from torch import nn

from smat_ros.model import SMAT

TEMPLATE_INPUT = "template"
FEATURES = "template_features"
SEARCH_INPUT = "search"
MAP_NAMES = ("score_map", "size_map", "offset_map")


class TemplateBranch(nn.Module):
    """Template crop [1, 3, 128, 128] (RGB / 255) -> cached template features [1, 128, 4, 64]."""

    def __init__(self, model: SMAT) -> None:
        super().__init__()
        self.model = model

    def forward(self, template: torch.Tensor) -> torch.Tensor:
        """Template-only work, run once per target."""
        return self.model.template_features(template)


class TrackingBranch(nn.Module):
    """Cached features + search crop [1, 3, 256, 256] -> score [1,1,16,16], size [1,2,16,16], offset [1,2,16,16]."""

    def __init__(self, model: SMAT) -> None:
        super().__init__()
        self.model = model

    def forward(self, features: torch.Tensor, search: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One tracking step's network outputs (box decoding stays outside the graph)."""
        x, z = self.model.backbone(search, features)
        return self.model.head(self.model.neck(x, z))
