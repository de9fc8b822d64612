"""Backbone initialisation from an ImageNet-pretrained MobileViTv2 classifier (ml-cvnets format, e.g.
``mobilevitv2-1.0.pt``), as the reference's ``MODEL.PRETRAIN_FILE``.

Key map: a classifier file names its parameters like the reference tracker's backbone without the ``backbone.``
prefix (``conv_1.block.conv.weight``, ``layer_3.1.global_rep.0.pre_norm_attn.1.qkv_proj.block.conv.weight``).
Each key gets the prefix and then goes through :func:`smat_ros.checkpoint.map_reference_key`, the lead's
reference->ours map (``backbone.layer3.mixer.stack.blocks.0.attn.qkv.weight``). Classifier-only keys
(``conv_1x1_exp.*``, ``classifier.*``, ``layer_5.*``) are ignored. Every backbone parameter and buffer of SMAT
must be found with the right shape (as the reference asserts no missing key); anything else is an error.
"""
from __future__ import annotations

import logging
from pathlib import Path

import torch

from smat_ros.checkpoint import load_state_dict, map_reference_key
from smat_ros.errors import CheckpointError

log = logging.getLogger(__name__)

IGNORED_PREFIXES = ("conv_1x1_exp.", "classifier.", "layer_5.")
BACKBONE_PREFIX = "backbone."


def classifier_to_backbone_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename an ImageNet MobileViTv2 state_dict to SMAT backbone names, dropping classifier-only keys."""
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        if key.startswith(IGNORED_PREFIXES):
            continue
        reference_key = key if key.startswith(BACKBONE_PREFIX) else BACKBONE_PREFIX + key
        renamed[map_reference_key(reference_key)] = value
    return renamed


def load_pretrained_backbone(model: torch.nn.Module, path: str | Path) -> int:
    """Copy an ImageNet MobileViTv2 file's weights into ``model.backbone``; returns the number of tensors."""
    state_dict = classifier_to_backbone_keys(load_state_dict(path))
    expected = {k: v for k, v in model.state_dict().items() if k.startswith(BACKBONE_PREFIX)}
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    shapes = sorted(f"{k}: file {tuple(state_dict[k].shape)} vs model {tuple(expected[k].shape)}"
                    for k in set(expected) & set(state_dict) if state_dict[k].shape != expected[k].shape)
    if missing or unexpected or shapes:
        parts = [f"{name} ({len(keys)}): {keys[:8]}" for name, keys in
                 (("missing backbone keys", missing), ("unknown keys", unexpected), ("shape mismatches", shapes))
                 if keys]
        raise CheckpointError(f"{path} is not a MobileViTv2 backbone for this model: " + "; ".join(parts))
    with torch.no_grad():
        for key, value in state_dict.items():
            expected[key].copy_(value.to(expected[key].dtype))
    log.info("backbone initialised from %s (%d tensors)", path, len(state_dict))
    return len(state_dict)
