"""Separable self-attention (MobileViTv2) and the pre-norm transformer block built on it.

Tokens are kept channel-first as [B, C, P, N]: P pixels per patch, N patches. Mixed attention is self-attention
over the concatenation of search and template patches along N, so one block both extracts features and fuses the
two images.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def layer_norm_2d(channels: int) -> nn.GroupNorm:
    """Layer norm over (C, P, N) of a [B, C, P, N] tensor, as ml-cvnets' ``layer_norm_2d`` (GroupNorm, 1 group)."""
    return nn.GroupNorm(num_groups=1, num_channels=channels, eps=1e-5)


class SeparableSelfAttention(nn.Module):
    """Linear-complexity attention: one context vector per patch pixel, from a softmax over the N tokens."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.qkv = nn.Conv2d(dim, 1 + 2 * dim, kernel_size=1)
        self.out = nn.Conv2d(dim, dim, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, P, N] -> [B, C, P, N]."""
        qkv = self.qkv(x)  # [B, 1 + 2C, P, N]
        query, key, value = torch.split(qkv, [1, self.dim, self.dim], dim=1)  # [B,1,P,N], [B,C,P,N], [B,C,P,N]
        scores = F.softmax(query, dim=-1)  # [B, 1, P, N], normalised over the tokens
        context = (key * scores).sum(dim=-1, keepdim=True)  # [B, C, P, 1]
        return self.out(F.relu(value) * context)


class TransformerBlock(nn.Module):
    """Pre-norm block: x + attn(norm(x)), then x + ffn(norm(x)) with a ReLU 1x1-conv FFN."""

    def __init__(self, dim: int, ffn_dim: int) -> None:
        super().__init__()
        self.norm_attn = layer_norm_2d(dim)
        self.attn = SeparableSelfAttention(dim)
        self.norm_ffn = layer_norm_2d(dim)
        self.ffn_in = nn.Conv2d(dim, ffn_dim, kernel_size=1)
        self.ffn_out = nn.Conv2d(ffn_dim, dim, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, P, N] -> [B, C, P, N]."""
        x = x + self.attn(self.norm_attn(x))
        return x + self.ffn_out(F.relu(self.ffn_in(self.norm_ffn(x))))


class AttentionStack(nn.Module):
    """Transformer blocks followed by a final layer norm."""

    def __init__(self, dim: int, ffn_dim: int, depth: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(TransformerBlock(dim, ffn_dim) for _ in range(depth))
        self.norm = layer_norm_2d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, P, N] -> [B, C, P, N]."""
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


def ffn_width(dim: int, multiplier: float = 2.0) -> int:
    """FFN hidden width: ``multiplier * dim`` floored to a multiple of 16 (MobileViTv2 rule)."""
    return int(multiplier * dim // 16 * 16)


def unfold_patches(x: torch.Tensor, patch: int) -> torch.Tensor:
    """[B, C, H, W] -> [B, C, P, N] with P = patch*patch pixels (row-major) and N patches (row-major)."""
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // patch, patch, w // patch, patch)  # [B, C, Hn, ph, Wn, pw]
    x = x.permute(0, 1, 3, 5, 2, 4)  # [B, C, ph, pw, Hn, Wn]
    return x.reshape(b, c, patch * patch, (h // patch) * (w // patch))  # [B, C, P, N]


def fold_patches(x: torch.Tensor, patch: int, height: int, width: int) -> torch.Tensor:
    """[B, C, P, N] -> [B, C, H, W], the inverse of :func:`unfold_patches`."""
    b, c, _, _ = x.shape
    x = x.reshape(b, c, patch, patch, height // patch, width // patch)  # [B, C, ph, pw, Hn, Wn]
    x = x.permute(0, 1, 4, 2, 5, 3)  # [B, C, Hn, ph, Wn, pw]
    return x.reshape(b, c, height, width)  # [B, C, H, W]
