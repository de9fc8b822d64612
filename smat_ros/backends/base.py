"""The interface every inference backend implements: template crop -> cached features, search crop -> maps."""
from __future__ import annotations

import abc
import dataclasses

import numpy as np
import torch

from smat_ros.errors import SmatError

PRECISIONS = ("fp32", "fp16", "bf16")


class BackendError(SmatError, ValueError):
    """A backend, precision or execution provider was requested that cannot run here."""


@dataclasses.dataclass(frozen=True)
class TrackMaps:
    """Network outputs of one tracking step, float32 on the backend's device: [1,1,F,F], [1,2,F,F], [1,2,F,F]."""

    score_map: torch.Tensor
    size_map: torch.Tensor
    offset_map: torch.Tensor


class Backend(abc.ABC):
    """Runs the two halves of SMAT on uint8 crops; the tracker only crops before and decodes after."""

    name: str
    precision: str
    device: torch.device

    @abc.abstractmethod
    def template_features(self, crop: np.ndarray) -> object:
        """Template crop [128, 128, 3] uint8 RGB -> opaque cached features (computed once per target)."""

    @abc.abstractmethod
    def track(self, features: object, crop: np.ndarray) -> TrackMaps:
        """Cached features + search crop [256, 256, 3] uint8 RGB -> score, size and offset maps."""


def crop_to_array(crop: np.ndarray) -> np.ndarray:
    """uint8 crop [H, W, 3] -> network input float32 [1, 3, H, W], RGB / 255 (numpy, for non-torch runtimes)."""
    chw = np.ascontiguousarray(crop.transpose(2, 0, 1))  # [3, H, W]
    return chw[None].astype(np.float32) / np.float32(255.0)  # [1, 3, H, W]


def check_precision(precision: str) -> str:
    """Return ``precision`` if it is a known name, else raise BackendError."""
    if precision not in PRECISIONS:
        raise BackendError(f"unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    return precision
