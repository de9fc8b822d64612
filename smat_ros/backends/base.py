"""The interface every inference backend implements: template crop -> cached features, search crop -> maps."""
from __future__ import annotations

import abc
import dataclasses

import numpy as np
import torch

from smat_ros.backends.options import BackendOptions


@dataclasses.dataclass(frozen=True)
class TrackMaps:
    """Network outputs of one tracking step, float32 on the backend's device: [1,1,F,F], [1,2,F,F], [1,2,F,F]."""

    score_map: torch.Tensor
    size_map: torch.Tensor
    offset_map: torch.Tensor


class Backend(abc.ABC):
    """Runs the two halves of SMAT on uint8 crops; the tracker only crops before and decodes after."""

    name: str
    options: BackendOptions
    device: torch.device

    @property
    def precision(self) -> str:
        """The precision the network runs in."""
        return self.options.precision

    def describe(self) -> str:
        """One line for logs: backend, precision, mode and threads."""
        threads = self.options.threads or "default"
        return f"{self.name} {self.precision} ({self.mode}, {threads} threads) on {self.device}"

    @property
    @abc.abstractmethod
    def mode(self) -> str:
        """The torch graph mode or the onnxruntime execution provider in use."""

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
