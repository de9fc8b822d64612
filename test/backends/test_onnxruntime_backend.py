"""The onnxruntime backend: parity with the reference and torch, tracker integration, provider errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros import Tracker
from smat_ros.backends import BackendError, BackendOptions, create_backend
from smat_ros.backends.onnxruntime_backend import OnnxRuntimeBackend
from smat_ros.export import OnnxGraphs, write_graphs
from smat_ros.model import SMAT

CPU = torch.device("cpu")
IO_TOLERANCE = 1e-4
FP32_BOX_TOLERANCE_PX = 0.5
FRAMES = 20


def test_maps_match_reference(graphs: OnnxGraphs, crops: tuple[np.ndarray, np.ndarray], reference_io: dict) -> None:
    backend = OnnxRuntimeBackend(graphs, BackendOptions(provider="cpu", threads=1))
    maps = backend.track(backend.template_features(crops[0]), crops[1])
    for key in ("score_map", "size_map", "offset_map"):
        assert float(np.abs(getattr(maps, key).numpy() - reference_io[key]).max()) <= IO_TOLERANCE, key


def test_tracker_boxes_match_torch(
    fixture_model: SMAT, graphs: OnnxGraphs, frames: list[np.ndarray], reference_track: dict
) -> None:
    backend = OnnxRuntimeBackend(graphs, BackendOptions(provider="cpu"))
    tracker = Tracker(fixture_model, device="cpu", backend=backend)
    assert tracker.backend is backend and tracker.device == CPU
    tracker.initialize(frames[0], reference_track["init_box_xywh"])
    for index, frame in enumerate(frames[1:FRAMES], start=1):
        box = tracker.track(frame).box
        assert np.abs(np.subtract(box, reference_track["boxes_xywh"][index])).max() <= FP32_BOX_TOLERANCE_PX, index


def test_tensorrt_without_tensorrt_is_a_clear_error(graphs: OnnxGraphs) -> None:
    with pytest.raises(BackendError, match="TensorRT was requested"):
        OnnxRuntimeBackend(graphs, BackendOptions(precision="fp16", provider="tensorrt"))
    with pytest.raises(BackendError, match="CUDA was requested"):
        OnnxRuntimeBackend(graphs, BackendOptions(provider="cuda"))


def test_selection_through_create_backend(fixture_model: SMAT) -> None:
    with pytest.raises(BackendError, match="TensorRT was requested"):
        create_backend("onnxruntime", fixture_model, CPU, BackendOptions(provider="tensorrt"))
    with pytest.raises(BackendError, match="'bf16' is not offered by the onnxruntime backend"):
        create_backend("onnxruntime", fixture_model, CPU, BackendOptions(precision="bf16"))
    with pytest.raises(BackendError, match="unknown backend 'onnx'"):
        Tracker(fixture_model, device="cpu", backend="onnx")


def test_wrong_feature_type_is_rejected(graphs: OnnxGraphs, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = OnnxRuntimeBackend(graphs, BackendOptions(provider="cpu", threads=1))
    with pytest.raises(BackendError, match="template features of type Tensor"):
        backend.track(torch.zeros(1, 128, 4, 64), crops[1])


def test_from_exported_directory(graphs: OnnxGraphs, tmp_path: Path, crops: tuple[np.ndarray, np.ndarray]) -> None:
    write_graphs(graphs, tmp_path)
    backend = OnnxRuntimeBackend.from_directory(tmp_path, BackendOptions(provider="cpu", threads=1))
    reference = OnnxRuntimeBackend(graphs, BackendOptions(provider="cpu", threads=1))
    maps = [b.track(b.template_features(crops[0]), crops[1]) for b in (backend, reference)]
    assert torch.equal(maps[0].score_map, maps[1].score_map)


def test_backend_options_with_an_instance_are_rejected(fixture_model: SMAT, graphs: OnnxGraphs) -> None:
    backend = OnnxRuntimeBackend(graphs, BackendOptions(provider="cpu", threads=1))
    with pytest.raises(BackendError, match="configure a backend given by name"):
        Tracker(fixture_model, device="cpu", backend=backend, options=BackendOptions(precision="fp16"))


def test_from_checkpoint_by_name(checkpoint_path: Path, frames: list[np.ndarray], reference_track: dict) -> None:
    tracker = Tracker.from_checkpoint(checkpoint_path, device="cpu", backend="onnxruntime",
                                      options=BackendOptions(threads=1))
    assert isinstance(tracker.backend, OnnxRuntimeBackend) and tracker.backend.provider == "cpu"
    tracker.initialize(frames[0], reference_track["init_box_xywh"])
    for index, frame in enumerate(frames[1:4], start=1):
        box = tracker.track(frame).box
        assert np.abs(np.subtract(box, reference_track["boxes_xywh"][index])).max() <= FP32_BOX_TOLERANCE_PX, index
