"""The SMAT tracker: crop around the last box, run the network with the cached template, map the peak back.

Frames are HxWx3 uint8 **RGB** numpy arrays (the reference's channel order); boxes are (x, y, w, h) in pixels with
(x, y) the top-left corner (GOT-10k convention).
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from smat_ros.checkpoint import check_and_load, load_state_dict
from smat_ros.config import ModelConfig, TrackerConfig
from smat_ros.crop import Box, clip_box, hann_window, map_box_back, sample_target, validate_box, validate_frame
from smat_ros.errors import NotInitializedError, SmatError
from smat_ros.model import SMAT, decode_boxes

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TrackResult:
    """One tracking step: the box (x, y, w, h) in frame pixels and the network's confidence at its centre."""

    box: Box
    score: float


def resolve_device(device: str | torch.device) -> torch.device:
    """``auto`` -> CUDA when available else CPU; ``cpu``, ``cuda`` and ``cuda:N`` are checked to exist."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}: use 'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} requested but CUDA is not available on this machine")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif resolved.type != "cpu":
        raise ValueError(f"unsupported device {device!r}: use 'auto', 'cpu', 'cuda' or 'cuda:N'")
    return resolved


class Tracker:
    """Single-object tracker around a :class:`~smat_ros.model.SMAT` network."""

    def __init__(
        self,
        model: SMAT,
        config: TrackerConfig = TrackerConfig(),
        device: str | torch.device = "auto",
        half: bool = False,
    ) -> None:
        self.device = resolve_device(device)
        if half and self.device.type != "cuda":
            raise ValueError("half precision (fp16) is supported on CUDA only")
        self.dtype = torch.float16 if half else torch.float32
        self.config = config
        self.model = model.eval().to(device=self.device, dtype=self.dtype)
        self.model.requires_grad_(False)
        self.window = hann_window(model.config.feat_size).to(self.device, self.dtype)
        self._template: torch.Tensor | None = None
        self._box: Box | None = None

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        device: str | torch.device = "auto",
        half: bool = False,
        config: TrackerConfig = TrackerConfig(),
        model_config: ModelConfig = ModelConfig(),
    ) -> "Tracker":
        """Tracker with weights from an official .pth.tar, a state_dict file or safetensors."""
        model = SMAT(model_config)
        check_and_load(model, load_state_dict(path), str(path))
        log.info("loaded SMAT weights from %s", path)
        return cls(model, config, device, half)

    @property
    def initialized(self) -> bool:
        """Whether a target is set."""
        return self._template is not None

    @property
    def box(self) -> Box | None:
        """The current target box (x, y, w, h), or None before initialization."""
        return self._box

    def reset(self) -> None:
        """Forget the target."""
        self._template = None
        self._box = None

    def _to_tensor(self, crop: np.ndarray) -> torch.Tensor:
        """uint8 crop [H, W, 3] -> network input [1, 3, H, W] on the device, RGB / 255."""
        tensor = torch.from_numpy(np.ascontiguousarray(crop)).to(self.device, non_blocking=True)
        return tensor.permute(2, 0, 1).unsqueeze(0).to(self.dtype) / 255.0  # [1, 3, H, W]

    @torch.inference_mode()
    def initialize(self, frame: np.ndarray, box: Sequence[float]) -> None:
        """Set the target: ``box`` (x, y, w, h) in pixels on ``frame`` (HxWx3 uint8 RGB); caches template features."""
        frame = validate_frame(frame)
        target = validate_box(box, frame.shape)
        crop, _ = sample_target(frame, target, self.config.template_factor, self.config.template_size)
        self._template = self.model.template_features(self._to_tensor(crop))
        self._box = target

    @torch.inference_mode()
    def track(self, frame: np.ndarray) -> TrackResult:
        """Locate the target in ``frame`` (HxWx3 uint8 RGB) and return its box and score."""
        if self._template is None or self._box is None:
            raise NotInitializedError("track() called before initialize(): set a target first")
        frame = validate_frame(frame)
        size = self.config.search_size
        crop, resize_factor = sample_target(frame, self._box, self.config.search_factor, size)
        out = self.model.track(self._template, self._to_tensor(crop))
        boxes, _, index = decode_boxes(self.window * out["score_map"], out["size_map"], out["offset_map"])
        box_in_crop = (boxes[0].float() * size / resize_factor).tolist()  # (cx, cy, w, h) in frame pixels
        score = float(out["score_map"].flatten()[index[0]])
        predicted = map_box_back(box_in_crop, self._box, size, resize_factor)
        if not all(np.isfinite(predicted)):
            raise SmatError("the network produced a non-finite box (corrupt weights?); target kept")
        self._box = clip_box(predicted, frame.shape[0], frame.shape[1], margin=self.config.clip_margin)
        return TrackResult(box=self._box, score=score)
