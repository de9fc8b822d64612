"""The SMAT tracker: crop around the last box, run the network with the cached template, map the peak back.

Frames are HxWx3 uint8 **RGB** numpy arrays (the reference's channel order); boxes are (x, y, w, h) in pixels with
(x, y) the top-left corner (GOT-10k convention).
"""
from __future__ import annotations

import dataclasses
import logging
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from smat_ros.backends import Backend, BackendError, BackendOptions, create_backend
from smat_ros.checkpoint import load_weights
from smat_ros.config import ModelConfig, TrackerConfig, check_crop_sizes
from smat_ros.crop import Box, clip_box, hann_window, map_box_back, sample_target, validate_box, validate_frame
from smat_ros.device import resolve_device
from smat_ros.errors import NetworkOutputError, NotInitializedError
from smat_ros.model import SMAT, decode_boxes

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TrackResult:
    """One tracking step: the box (x, y, w, h) in frame pixels and the network's confidence at its centre."""

    box: Box
    score: float


LEGACY_OPTIONS = ("precision", "graph", "provider", "threads")


def legacy_options(options: BackendOptions | None, half: bool | None, legacy: dict[str, Any]) -> BackendOptions | None:
    """``options`` with the deprecated ``half=`` and loose ``precision=/graph=/provider=/threads=`` folded in."""
    unknown = set(legacy) - set(LEGACY_OPTIONS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    if half is None and not legacy:
        return options
    if options is not None:
        raise BackendError("pass backend settings either in options=BackendOptions(...) or as deprecated keywords, not both")
    given = {key: value for key, value in legacy.items() if value is not None}
    if half is not None:
        warnings.warn("half= is deprecated: use options=BackendOptions(precision='fp16')", DeprecationWarning, stacklevel=3)
        if half and given.get("precision", "fp16") != "fp16":
            raise BackendError(f"half=True contradicts precision={given['precision']!r}")
        if half:
            given["precision"] = "fp16"
    if legacy:
        warnings.warn(f"{', '.join(f'{key}=' for key in legacy)} keyword(s) are deprecated: use "
                      "options=BackendOptions(...)", DeprecationWarning, stacklevel=3)
    return BackendOptions(**given)


class Tracker:
    """Single-object tracker: crop around the last box, run the backend, decode the peak, map the box back.

    ``backend`` is ``"auto"`` (default: onnxruntime on CPU, torch on CUDA; see :mod:`smat_ros.backends`),
    ``"torch"``, ``"onnxruntime"`` or a ready :class:`~smat_ros.backends.Backend`. ``options`` says how the backend
    runs (:class:`~smat_ros.backends.BackendOptions`: precision, torch graph mode, onnxruntime provider, threads,
    graph cache). The backend chosen is logged at INFO.
    """

    def __init__(
        self,
        model: SMAT,
        config: TrackerConfig = TrackerConfig(),
        device: str | torch.device = "auto",
        backend: str | Backend = "auto",
        options: BackendOptions | None = None,
        *,
        half: bool | None = None,
        **legacy: Any,
    ) -> None:
        check_crop_sizes(config, model.config)
        options = legacy_options(options, half, legacy)
        self.device = resolve_device(device)
        self.config = config
        model.eval().requires_grad_(False)
        if isinstance(backend, Backend):
            if options is not None:
                raise BackendError("options configure a backend given by name, not an instance")
            self.backend = backend
        else:
            self.backend = create_backend(backend, model, self.device, options or BackendOptions())
        log.info("tracker backend: %s", self.backend.describe())
        self.window = hann_window(model.config.feat_size).to(self.backend.device)
        self._template: object | None = None
        self._box: Box | None = None

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        device: str | torch.device = "auto",
        *,
        config: TrackerConfig = TrackerConfig(),
        model_config: ModelConfig = ModelConfig(),
        backend: str = "auto",
        options: BackendOptions | None = None,
        half: bool | None = None,
        **legacy: Any,
    ) -> "Tracker":
        """Tracker with weights from an official .pth.tar, a state_dict file or safetensors."""
        model = SMAT(model_config)
        load_weights(model, path)
        log.info("loaded SMAT weights from %s", path)
        return cls(model, config, device=device, backend=backend, options=legacy_options(options, half, legacy))

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

    def initialize(self, frame: np.ndarray, box: Sequence[float]) -> None:
        """Set the target: ``box`` (x, y, w, h) in pixels on ``frame`` (HxWx3 uint8 RGB); caches template features."""
        frame = validate_frame(frame)
        target = validate_box(box, frame.shape)
        crop, _ = sample_target(frame, target, self.config.template_factor, self.config.template_size)
        self._template = self.backend.template_features(crop)
        self._box = target

    def track(self, frame: np.ndarray) -> TrackResult:
        """Locate the target in ``frame`` (HxWx3 uint8 RGB) and return its box and score."""
        if self._template is None or self._box is None:
            raise NotInitializedError("track() called before initialize(): set a target first")
        frame = validate_frame(frame)
        size = self.config.search_size
        crop, resize_factor = sample_target(frame, self._box, self.config.search_factor, size)
        maps = self.backend.track(self._template, crop)
        boxes, _, index = decode_boxes(self.window * maps.score_map, maps.size_map, maps.offset_map)
        box_in_crop = (boxes[0] * size / resize_factor).tolist()  # (cx, cy, w, h) in frame pixels
        score = float(maps.score_map.flatten()[index[0]])
        predicted = map_box_back(box_in_crop, self._box, size, resize_factor)
        if not all(np.isfinite(predicted)):
            raise NetworkOutputError("the network produced a non-finite box (corrupt weights?); target kept")
        self._box = clip_box(predicted, frame.shape[0], frame.shape[1], margin=self.config.clip_margin)
        return TrackResult(box=self._box, score=score)
