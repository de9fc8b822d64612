"""BatchNorm folding: an inference copy of SMAT whose conv-bn pairs are single convolutions."""
from __future__ import annotations

import copy

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from smat_ros.model import SMAT
from smat_ros.model.layers import ConvBN


def fold_batchnorm(model: SMAT) -> SMAT:
    """Deep copy of ``model`` in eval mode, without gradients, with every ConvBN's BatchNorm folded into its conv."""
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if isinstance(module, ConvBN) and isinstance(module.bn, nn.BatchNorm2d):
            module.conv = fuse_conv_bn_eval(module.conv, module.bn)
            module.bn = nn.Identity()  # type: ignore[assignment]  # a folded ConvBN has no norm left
    folded.requires_grad_(False)
    return folded


def count_parameters(model: nn.Module) -> int:
    """Number of scalar parameters of ``model``."""
    return sum(parameter.numel() for parameter in model.parameters())


def count_batchnorms(model: nn.Module) -> int:
    """Number of BatchNorm2d layers left in ``model``."""
    return sum(isinstance(module, nn.BatchNorm2d) for module in model.modules())
