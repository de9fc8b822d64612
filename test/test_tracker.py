"""Tracker behaviour: template caching, input validation, devices, reset."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros import Tracker, TrackResult
from smat_ros.backends import BackendError, BackendOptions
from smat_ros.config import TrackerConfig
from smat_ros.errors import ConfigError, InputError, NotInitializedError
from smat_ros.model import SMAT
from smat_ros.weights import find_demo_weights


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


def test_track_result_is_the_reference_box_and_score(
    tracker: Tracker, frames: list[np.ndarray], reference_track: dict
) -> None:
    """One step gives the reference tracker's box (within the parity tolerance) and its peak score."""
    tracker.initialize(frames[0], (639, 240, 46, 81))
    result = tracker.track(frames[1])
    assert isinstance(result, TrackResult)
    np.testing.assert_allclose(result.box, reference_track["boxes_xywh"][1], atol=0.05)
    assert result.score == pytest.approx(reference_track["raw_score_at_best"][1], abs=1e-4)  # score_map at the peak
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


def corner_scene(x: int, y: int, size: int = 40, shape: tuple[int, int] = (240, 320)) -> np.ndarray:
    """A noisy background with a striped square whose top-left corner is (x, y); parts past the border are cut."""
    height, width = shape
    frame = np.random.default_rng(0).integers(60, 120, (height, width, 3), dtype=np.uint8)
    square = np.zeros((size, size, 3), np.uint8)
    square[::2], square[1::2], square[:, ::8] = (230, 40, 40), (40, 40, 230), (250, 250, 60)
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + size, width), min(y + size, height)
    frame[y0:y1, x0:x1] = square[y0 - y:y1 - y, x0 - x:x1 - x]
    return frame


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return iw * ih / (a[2] * a[3] + b[2] * b[3] - iw * ih)


def test_a_target_partly_outside_the_image_is_followed() -> None:
    """Initialized on a square cut by the bottom-right corner (padded crops), the track stays on its visible part
    while it moves into the image (demo weights; measured IoU 0.75-0.92, threshold 0.5)."""
    tracker = Tracker.from_checkpoint(find_demo_weights(), device="cpu")
    x, y = 295, 215  # 25 x 25 of the 40 x 40 square visible
    tracker.initialize(corner_scene(x, y), (x, y, 40, 40))
    for _ in range(7):
        x, y = x - 4, y - 3
        box = tracker.track(corner_scene(x, y)).box
        visible = (x, y, min(x + 40, 320) - x, min(y + 40, 240) - y)
        assert iou(box, visible) > 0.5, (box, visible)


def test_crop_sizes_must_match_the_network(fixture_model: SMAT) -> None:
    with pytest.raises(ConfigError, match="TrackerConfig.search_size=320 does not match .*search_size=256"):
        Tracker(fixture_model, TrackerConfig(search_size=320), device="cpu")


def test_fp16_on_cpu_is_refused(checkpoint_path: Path) -> None:
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


def test_setting_the_box_moves_the_search_region(tracker: Tracker, frames: list[np.ndarray]) -> None:
    tracker.reset()
    with pytest.raises(NotInitializedError, match="before initialize"):
        tracker.box = (639, 240, 46, 81)
    tracker.initialize(frames[0], (639, 240, 46, 81))
    tracker.box = (600, 250, 46, 81)
    assert tracker.box == (600.0, 250.0, 46.0, 81.0)
    with pytest.raises(InputError, match="width and height"):
        tracker.box = (600, 250, 0, 81)
