"""CENTER_SSAT head: separable-self-attention branches for classification and regression, centre-point decoding."""
from __future__ import annotations

import torch
from torch import nn

from smat_ros.model.attention import AttentionStack, ffn_width
from smat_ros.model.layers import ConvBN

SCORE_EPS = 1e-4


class AttentionBranch(nn.Module):
    """3x3 conv-bn-relu, then separable self-attention over all cells (1x1 patches)."""

    def __init__(self, channels: int, depth: int) -> None:
        super().__init__()
        self.pre = ConvBN(channels, channels, 3)
        self.stack = AttentionStack(channels, ffn_width(channels), depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] -> [B, C, H, W]."""
        x = self.pre(x)
        b, c, height, width = x.shape
        tokens = self.stack(x.reshape(b, c, 1, height * width))  # [B, C, 1, H*W]
        return tokens.reshape(b, c, height, width)


class ConvTower(nn.Module):
    """Three 3x3 conv-bn-relu layers (C, C/2, C/4 channels) and a 1x1 output conv."""

    def __init__(self, channels: int, outputs: int) -> None:
        super().__init__()
        self.conv1 = ConvBN(channels, channels, 3, bias=True)
        self.conv2 = ConvBN(channels, channels // 2, 3, bias=True)
        self.conv3 = ConvBN(channels // 2, channels // 4, 3, bias=True)
        self.out = nn.Conv2d(channels // 4, outputs, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] -> [B, outputs, H, W]."""
        return self.out(self.conv3(self.conv2(self.conv1(x))))


def clamped_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Sigmoid clamped to [1e-4, 1 - 1e-4], as the reference (keeps the focal loss finite)."""
    return torch.clamp(torch.sigmoid(x), min=SCORE_EPS, max=1 - SCORE_EPS)


class CenterHead(nn.Module):
    """Predicts a centre score map, a normalised box-size map and a sub-cell offset map."""

    def __init__(self, channels: int = 128, cls_depth: int = 2, reg_depth: int = 4) -> None:
        super().__init__()
        self.cls = AttentionBranch(channels, cls_depth)
        self.reg = AttentionBranch(channels, reg_depth)
        self.ctr = ConvTower(channels, 1)
        self.offset = ConvTower(channels, 2)
        self.size = ConvTower(channels, 2)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Fused [B, C, H, W] -> score [B, 1, H, W], size [B, 2, H, W], offset [B, 2, H, W]."""
        cls, reg = self.cls(features), self.reg(features)
        return clamped_sigmoid(self.ctr(cls)), clamped_sigmoid(self.size(reg)), self.offset(reg)


def decode_boxes(
    score_map: torch.Tensor, size_map: torch.Tensor, offset_map: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Box at the score peak: normalised (cx, cy, w, h) [B, 4], peak score [B] and flat peak index [B]."""
    feat = score_map.shape[-1]
    best, index = torch.max(score_map.flatten(1), dim=1, keepdim=True)  # [B, 1], [B, 1]
    gather = index.unsqueeze(1).expand(-1, 2, 1)  # [B, 2, 1]
    size = size_map.flatten(2).gather(dim=2, index=gather).squeeze(-1)  # [B, 2]
    offset = offset_map.flatten(2).gather(dim=2, index=gather).squeeze(-1)  # [B, 2]
    col = (index % feat).to(score_map.dtype)
    row = torch.div(index, feat, rounding_mode="floor").to(score_map.dtype)
    centre = torch.cat([(col + offset[:, :1]) / feat, (row + offset[:, 1:]) / feat], dim=1)  # [B, 2]
    return torch.cat([centre, size], dim=1), best.squeeze(1), index.squeeze(1)
