"""MobileViTv2-1.0 backbone with SMAT's separable mixed-attention stages.

stem -> layer1 -> layer2 run on each image alone (MobileNetV2 blocks). layer3 and layer4 each down-sample with an
inverted residual, then run one :class:`MixedAttentionBlock` whose transformer sees search and template patches
together. Everything the template passes through before the first mixing is exposed as
:meth:`MobileViTv2Backbone.template_tokens`, so a tracker computes it once per target.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from smat_ros.errors import InputError
from smat_ros.model.attention import AttentionStack, ffn_width, fold_patches, unfold_patches
from smat_ros.model.layers import ConvBN, InvertedResidual, make_divisible


class MixedAttentionBlock(nn.Module):
    """MobileViTv2 block: local conv representation, transformer over (search + template) patches, 1x1 projection."""

    def __init__(self, channels: int, dim: int, depth: int, patch: int = 2, mixed: bool = True) -> None:
        super().__init__()
        self.patch = patch
        self.mixed = mixed
        self.local_dw = ConvBN(channels, channels, 3, groups=channels)
        self.local_pw = nn.Conv2d(channels, dim, kernel_size=1, bias=False)
        self.stack = AttentionStack(dim, ffn_width(dim), depth)
        self.proj = ConvBN(dim, channels, 1, act=False)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] -> local representation as patches [B, D, P, N]."""
        return unfold_patches(self.local_pw(self.local_dw(x)), self.patch)

    def mix(self, x_tokens: torch.Tensor, z_tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the transformer over search [B, D, P, Nx] and template [B, D, P, Nz] tokens, jointly when mixed."""
        if not self.mixed:
            return self.stack(x_tokens), self.stack(z_tokens)
        n_search = x_tokens.shape[-1]
        joint = self.stack(torch.cat([x_tokens, z_tokens], dim=-1))  # [B, D, P, Nx + Nz]
        return joint[..., :n_search], joint[..., n_search:]

    def project(self, tokens: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """Patches [B, D, P, N] -> feature map [B, C, H, W]."""
        return self.proj(fold_patches(tokens, self.patch, height, width))

    def square_side(self, tokens: torch.Tensor) -> int:
        """Side in pixels of the square map that ``tokens`` [B, D, P, N] were unfolded from."""
        side = math.isqrt(tokens.shape[-1]) * self.patch
        if (side // self.patch) ** 2 != tokens.shape[-1]:
            raise InputError(f"template tokens do not form a square map: {tuple(tokens.shape)}")
        return side


class MixedAttentionStage(nn.Module):
    """Down-sampling inverted residual followed by one mixed-attention block."""

    def __init__(self, in_channels: int, out_channels: int, dim: int, depth: int, mixed: bool) -> None:
        super().__init__()
        self.downsample = InvertedResidual(in_channels, out_channels, stride=2, expand_ratio=2)
        self.mixer = MixedAttentionBlock(out_channels, dim, depth, mixed=mixed)

    def template_tokens(self, z: torch.Tensor) -> torch.Tensor:
        """Template map [B, C_in, h, w] -> its tokens [B, D, P, N] (template-only work)."""
        return self.mixer.tokens(self.downsample(z))

    def forward(self, x: torch.Tensor, z_tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Search map [B, C_in, H, W] + template tokens -> search [B, C_out, H/2, W/2] and template maps."""
        x = self.downsample(x)
        x_tokens, z_tokens = self.mixer.mix(self.mixer.tokens(x), z_tokens)
        z_side = self.mixer.square_side(z_tokens)
        return self.mixer.project(x_tokens, x.shape[-2], x.shape[-1]), self.mixer.project(z_tokens, z_side, z_side)


class MobileViTv2Backbone(nn.Module):
    """MobileViTv2 (stride 16) whose layer3/layer4 attention mixes template and search tokens."""

    def __init__(self, width_multiplier: float = 1.0, mixed_attention: bool = True) -> None:
        super().__init__()
        w = width_multiplier
        stem = make_divisible(min(64.0, max(16.0, 32 * w)), 8, min_value=16)
        c1, c2 = make_divisible(64 * w, 16), make_divisible(128 * w, 8)
        c3, c4 = make_divisible(256 * w, 8), make_divisible(384 * w, 8)
        self.out_channels = c4
        self.stem = ConvBN(3, stem, 3, stride=2)
        self.layer1 = nn.Sequential(InvertedResidual(stem, c1, stride=1, expand_ratio=2))
        self.layer2 = nn.Sequential(
            InvertedResidual(c1, c2, stride=2, expand_ratio=2), InvertedResidual(c2, c2, stride=1, expand_ratio=2)
        )
        self.layer3 = MixedAttentionStage(c2, c3, make_divisible(128 * w, 8), depth=2, mixed=mixed_attention)
        self.layer4 = MixedAttentionStage(c3, c4, make_divisible(192 * w, 8), depth=4, mixed=mixed_attention)

    def convolutional_features(self, image: torch.Tensor) -> torch.Tensor:
        """Image [B, 3, H, W] -> stride-4 features [B, C2, H/4, W/4] (stem, layer1, layer2; no mixing)."""
        return self.layer2(self.layer1(self.stem(image)))

    def template_tokens(self, template: torch.Tensor) -> torch.Tensor:
        """Template image [B, 3, h, w] -> the layer3 tokens [B, D3, 4, h*w/256] that mixing starts from."""
        return self.layer3.template_tokens(self.convolutional_features(template))

    def forward(self, search: torch.Tensor, template_tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Search image [B, 3, H, W] + template tokens -> search [B, C4, H/16, W/16], template [B, C4, h/16, w/16]."""
        x, z = self.layer3(self.convolutional_features(search), template_tokens)
        return self.layer4(x, self.layer4.template_tokens(z))
