"""The OpenVINO backend: fp32 parity with the reference and torch, bf16, precision checks, clear errors."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros import Tracker
from smat_ros.backends import BackendError, BackendOptions, create_backend
from smat_ros.backends.openvino_backend import OpenVinoBackend, check_precision, cpu_offers
from smat_ros.export import OnnxGraphs
from smat_ros.model import SMAT

CPU = torch.device("cpu")
IO_TOLERANCE = 1e-4
FP32_BOX_TOLERANCE_PX = 0.5
FRAMES = 20


class FakeCore:
    """An openvino.Core stand-in that reports the given CPU capabilities (for the capability checks only)."""

    def __init__(self, capabilities: list[str]) -> None:
        self.capabilities = capabilities

    def get_property(self, device: str, name: str) -> list[str]:
        """OPTIMIZATION_CAPABILITIES of ``device``."""
        assert (device, name) == ("CPU", "OPTIMIZATION_CAPABILITIES")
        return self.capabilities


def test_fp32_maps_match_reference(graphs: OnnxGraphs, crops: tuple[np.ndarray, np.ndarray],
                                   reference_io: dict) -> None:
    backend = OpenVinoBackend(graphs, BackendOptions(threads=1, cache=False))
    maps = backend.track(backend.template_features(crops[0]), crops[1])
    for key in ("score_map", "size_map", "offset_map"):
        assert float(np.abs(getattr(maps, key).numpy() - reference_io[key]).max()) <= IO_TOLERANCE, key


def test_tracker_boxes_match_torch(fixture_model: SMAT, frames: list[np.ndarray], reference_track: dict,
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMAT_CACHE_DIR", str(tmp_path))
    tracker = Tracker(fixture_model, device="cpu", backend="openvino", options=BackendOptions(threads=2))
    assert tracker.backend.name == "openvino" and tracker.backend.describe().startswith("openvino fp32 (CPU, 2")
    tracker.initialize(frames[0], reference_track["init_box_xywh"])
    for index, frame in enumerate(frames[1:FRAMES], start=1):
        box = tracker.track(frame).box
        assert np.abs(np.subtract(box, reference_track["boxes_xywh"][index])).max() <= FP32_BOX_TOLERANCE_PX, index
    assert list(tmp_path.glob("openvino/*")), "compiled models are cached beside the ONNX graphs"


@pytest.mark.skipif(not cpu_offers("bf16"), reason="bf16 is offered only on CPUs with native bfloat16")
def test_bf16_runs_in_bf16_and_stays_close(graphs: OnnxGraphs, crops: tuple[np.ndarray, np.ndarray]) -> None:
    fp32 = OpenVinoBackend(graphs, BackendOptions(threads=1, cache=False))
    bf16 = OpenVinoBackend(graphs, BackendOptions(precision="bf16", threads=1, cache=False))
    exact, reduced = (backend.track(backend.template_features(crops[0]), crops[1]) for backend in (fp32, bf16))
    difference = float((exact.score_map - reduced.score_map).abs().max())
    assert 0.0 < difference < 0.05  # really another precision, and close: the accuracy gate measures the boxes


def test_precision_needs_the_cpu_to_have_it() -> None:
    check_precision(FakeCore(["FP32", "BF16", "INT8"]), "bf16")
    with pytest.raises(BackendError, match="bf16 with openvino needs a CPU with native BF16"):
        check_precision(FakeCore(["FP32", "INT8"]), "bf16")
    with pytest.raises(BackendError, match="int8 with openvino needs a CPU with native INT8"):
        check_precision(FakeCore(["FP32"]), "int8")
    with pytest.raises(BackendError, match="'fp16' is not offered by the openvino backend"):
        check_precision(FakeCore(["FP32", "FP16"]), "fp16")


def test_missing_openvino_is_a_clear_error(fixture_model: SMAT, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino raises ImportError
    assert not cpu_offers("fp32")
    with pytest.raises(BackendError, match=r"needs the openvino package: pip install 'smat_ros\[openvino\]'"):
        Tracker(fixture_model, device="cpu", backend="openvino")


def test_torch_and_onnxruntime_options_are_rejected(fixture_model: SMAT, graphs: OnnxGraphs) -> None:
    with pytest.raises(BackendError, match="graph= and provider= apply to the torch and onnxruntime"):
        OpenVinoBackend(graphs, BackendOptions(graph="frozen"))
    with pytest.raises(BackendError, match="graph= and provider= apply to the torch and onnxruntime"):
        create_backend("openvino", fixture_model, CPU, BackendOptions(provider="cpu"))
    with pytest.raises(BackendError, match="runs on the CPU"):
        create_backend("openvino", fixture_model, torch.device("cuda"), BackendOptions())


def test_wrong_feature_type_is_rejected(graphs: OnnxGraphs, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = OpenVinoBackend(graphs, BackendOptions(threads=1, cache=False))
    with pytest.raises(BackendError, match="template features of type Tensor"):
        backend.track(torch.zeros(1, 128, 4, 64), crops[1])
