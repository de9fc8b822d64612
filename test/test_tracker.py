"""Tracker behaviour: template caching, input validation, devices, reset."""
from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros import Tracker, TrackResult
from smat_ros.backends import BackendError, BackendOptions
from smat_ros.errors import InputError, NotInitializedError


@pytest.fixture(scope="module")
def tracker(checkpoint_path: Path) -> Tracker:
    """A CPU tracker with the fixture weights."""
    return Tracker.from_checkpoint(checkpoint_path, device="cpu")


def count_calls(module: torch.nn.Module) -> list[int]:
    """A counter incremented by every forward of ``module``."""
    calls = [0]
    module.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    return calls


def test_template_branch_runs_once_per_target(checkpoint_path: Path, frames: list[np.ndarray]) -> None:
    tracker = Tracker.from_checkpoint(checkpoint_path, device="cpu", options=BackendOptions(graph="eager"))
    model = tracker.backend.model
    stem = count_calls(model.backbone.stem)
    template_downsample = count_calls(model.backbone.layer3.downsample)
    template_entry = count_calls(model.backbone.layer3.mixer.local_dw)
    tracker.initialize(frames[0], (639, 240, 46, 81))
    assert (stem[0], template_downsample[0], template_entry[0]) == (1, 1, 1)
    for frame in frames[1:5]:
        tracker.track(frame)
    # four search crops, no template recomputation: one call each per step
    assert (stem[0], template_downsample[0], template_entry[0]) == (5, 5, 5)


def test_default_backend_computes_template_features_once(
    checkpoint_path: Path, frames: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = Tracker.from_checkpoint(checkpoint_path, device="cpu")
    calls: list[object] = []
    original = tracker.backend.template_features
    monkeypatch.setattr(tracker.backend, "template_features", lambda crop: calls.append(crop) or original(crop))
    seen: list[object] = []
    track = tracker.backend.track
    monkeypatch.setattr(tracker.backend, "track", lambda features, crop: seen.append(features) or track(features, crop))
    tracker.initialize(frames[0], (639, 240, 46, 81))
    for frame in frames[1:4]:
        tracker.track(frame)
    assert len(calls) == 1 and len(seen) == 3
    assert all(features is seen[0] for features in seen)


def test_track_result_is_a_box_and_score(tracker: Tracker, frames: list[np.ndarray]) -> None:
    tracker.initialize(frames[0], (639, 240, 46, 81))
    result = tracker.track(frames[1])
    assert isinstance(result, TrackResult)
    assert len(result.box) == 4 and all(math.isfinite(v) for v in result.box)
    assert 0.0 <= result.score <= 1.0
    assert tracker.box == result.box


def test_track_before_initialize_and_after_reset(tracker: Tracker, frames: list[np.ndarray]) -> None:
    tracker.reset()
    assert not tracker.initialized
    with pytest.raises(NotInitializedError, match="before initialize"):
        tracker.track(frames[0])
    tracker.initialize(frames[0], (639, 240, 46, 81))
    assert tracker.initialized


@pytest.mark.parametrize(
    "box, message",
    [
        ((10, 10, 0, 5), "width and height must be > 0"),
        ((10, 10, 5, -1), "width and height must be > 0"),
        ((float("nan"), 10, 5, 5), "NaN or infinite"),
        ((10, 10, float("inf"), 5), "NaN or infinite"),
        ((900, 10, 20, 20), "entirely outside"),
        ((-50, -50, 20, 20), "entirely outside"),
        ((1, 2, 3), "4 numbers"),
        (("a", 2, 3, 4), "4 numbers"),
    ],
)
def test_bad_boxes_are_rejected(tracker: Tracker, frames: list[np.ndarray], box: tuple, message: str) -> None:
    with pytest.raises(InputError, match=message):
        tracker.initialize(frames[0], box)


@pytest.mark.parametrize(
    "frame, message",
    [
        (np.zeros((48, 64, 3), dtype=np.float32), "dtype uint8"),
        (np.zeros((48, 64), dtype=np.uint8), "HxWx3"),
        (np.zeros((48, 64, 4), dtype=np.uint8), "HxWx3"),
        (np.zeros((0, 64, 3), dtype=np.uint8), "empty"),
        ([[0, 0, 0]], "numpy array"),
    ],
)
def test_bad_frames_are_rejected(tracker: Tracker, frames: list[np.ndarray], frame: object, message: str) -> None:
    tracker.initialize(frames[0], (639, 240, 46, 81))
    with pytest.raises(InputError, match=message):
        tracker.track(frame)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=message):
        tracker.initialize(frame, (1, 1, 5, 5))  # type: ignore[arg-type]


def test_partly_outside_box_tracks(tracker: Tracker, frames: list[np.ndarray]) -> None:
    tracker.initialize(frames[0], (740, 540, 60, 60))
    result = tracker.track(frames[1])
    x, y, w, h = result.box
    assert 0 <= x <= 768 and 0 <= y <= 576 and w >= 10 and h >= 10


def test_device_choices(checkpoint_path: Path) -> None:
    from smat_ros.tracker import resolve_device

    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="unknown device|unsupported device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda:0")
    with pytest.raises(BackendError, match="CUDA only"):
        Tracker.from_checkpoint(checkpoint_path, device="cpu", options=BackendOptions(precision="fp16"))


def test_deprecated_keywords_still_work_and_warn(checkpoint_path: Path) -> None:
    with pytest.warns(DeprecationWarning, match="half= is deprecated"), pytest.raises(BackendError, match="CUDA only"):
        Tracker.from_checkpoint(checkpoint_path, device="cpu", half=True)
    with pytest.warns(DeprecationWarning, match="graph=, threads= keyword"):
        tracker = Tracker.from_checkpoint(checkpoint_path, device="cpu", graph="eager", threads=2)
    assert tracker.backend.name == "torch" and tracker.backend.options == BackendOptions(graph="eager", threads=2)
    with pytest.raises(BackendError, match="either in options"):
        Tracker.from_checkpoint(checkpoint_path, device="cpu", options=BackendOptions(), precision="fp32")
    with pytest.raises(TypeError, match="unexpected keyword argument.*colour"):
        Tracker.from_checkpoint(checkpoint_path, device="cpu", colour="red")


def test_the_default_backend_is_auto_and_logged(checkpoint_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="smat_ros.tracker"):
        tracker = Tracker.from_checkpoint(checkpoint_path, device="cpu")
    assert tracker.backend.name == "onnxruntime" and tracker.backend.precision == "fp32"
    assert "tracker backend: onnxruntime fp32 (cpu" in caplog.text
