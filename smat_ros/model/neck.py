"""BN_PWXCORR neck: BatchNorm adjustment, point-wise correlation, channel attention and channel adjustment."""
from __future__ import annotations

import torch
from torch import nn


def pointwise_correlation(template: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
    """Inner product of every template cell with every search cell: [B,C,h,w] x [B,C,H,W] -> [B, h*w, H, W]."""
    b, c, height, width = search.shape
    z = template.reshape(b, c, -1).transpose(1, 2)  # [B, h*w, C]
    x = search.reshape(b, c, height * width)  # [B, C, H*W]
    return torch.bmm(z, x).reshape(b, -1, height, width)  # [B, h*w, H, W]


class CorrelationNeck(nn.Module):
    """Fuse backbone search and template features into one [B, C_out, H, W] map for the head."""

    def __init__(self, channels: int, template_cells: int, out_channels: int) -> None:
        super().__init__()
        self.bn_search = nn.BatchNorm2d(channels)
        self.bn_template = nn.BatchNorm2d(channels)
        self.attention_in = nn.Conv2d(template_cells, template_cells, kernel_size=1)
        self.attention_out = nn.Conv2d(template_cells, template_cells, kernel_size=1)
        self.adjust = (
            nn.Conv2d(template_cells, out_channels, kernel_size=1) if template_cells != out_channels else nn.Identity()
        )

    def normalize(self, search: torch.Tensor, template: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """BatchNorm each branch with its own statistics."""
        return self.bn_search(search), self.bn_template(template)

    def correlate(self, search: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
        """Normalised features -> correlation map re-weighted by channel attention and adjusted to C_out channels."""
        corr = pointwise_correlation(template, search)  # [B, h*w, H, W]
        pooled = corr.mean(dim=(2, 3), keepdim=True)  # [B, h*w, 1, 1]
        weights = torch.sigmoid(self.attention_out(torch.relu(self.attention_in(pooled))))
        return self.adjust(corr * weights)

    def forward(self, search: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
        """Backbone search [B,C,H,W] and template [B,C,h,w] features -> fused [B, C_out, H, W]."""
        return self.correlate(*self.normalize(search, template))
