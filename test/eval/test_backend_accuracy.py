"""The accuracy gate of the reduced-precision backends (docs/performance.md), on the demo weights.

int8 (onnxruntime and openvino, the same quantized graph) and bf16 (torch and openvino) must stay within the
documented gate against torch fp32 on the 60 public frames and on the held-out synthetic sequences. A network whose
weights are visibly perturbed must fail the gate (the gate can fail).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from smat_ros import Tracker
from smat_ros.backends import BackendOptions
from smat_ros.backends.openvino_backend import cpu_offers
from smat_ros.backends.torch_backend import cpu_has_bf16
from smat_ros.eval.backend_accuracy import (
    GateSequence,
    SetAccuracy,
    held_out_synthetic,
    measure_set,
    reference_tracks,
    track,
)
from smat_ros.model import SMAT
from smat_ros.video import parse_box

ROOT = Path(__file__).resolve().parents[2]
SEQUENCE = ROOT / "test" / "fixtures" / "vtest_person"


@pytest.fixture(scope="module")
def gate_sets(demo_model: SMAT, frames: list[np.ndarray]) -> list[tuple[str, list[GateSequence], list[np.ndarray]]]:
    """(name, sequences, torch fp32 tracks) of the two gate sets."""
    fp32 = Tracker(demo_model, device="cpu", backend="torch")
    public = [GateSequence("vtest_person", frames, parse_box((SEQUENCE / "init.txt").read_text()))]
    sets = [("public", public), ("synthetic", held_out_synthetic())]
    return [(name, sequences, reference_tracks(fp32, sequences)) for name, sequences in sets]


def measure(variant: Tracker, gate_sets: list) -> list[SetAccuracy]:
    """The variant's accuracy on each gate set."""
    return [measure_set(name, variant, sequences, tracks) for name, sequences, tracks in gate_sets]


def assert_within_gate(variant: Tracker, gate_sets: list) -> None:
    """Every set within the gate (the message shows the measurements)."""
    results = measure(variant, gate_sets)
    assert all(result.passes() for result in results), results
    assert results[1].ao is not None  # the synthetic set has ground truth, so AO is compared


@pytest.fixture(scope="module")
def int8_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One graph cache for the int8 tests: the first quantizes from scratch (calibration included)."""
    return tmp_path_factory.mktemp("int8-cache")


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_int8_is_within_the_gate(backend: str, demo_model: SMAT, gate_sets: list, int8_cache: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "openvino" and not cpu_offers("int8"):
        pytest.skip("this CPU has no int8 support in OpenVINO")
    monkeypatch.setenv("SMAT_CACHE_DIR", str(int8_cache))
    variant = Tracker(demo_model, device="cpu", backend=backend, options=BackendOptions(precision="int8"))
    assert variant.backend.name == backend and variant.backend.precision == "int8"
    graphs = [onnx.load(path) for path in sorted(int8_cache.glob("onnx/*/tracking.onnx"))]
    ops = [{node.op_type for node in graph.graph.node} for graph in graphs]
    assert len(graphs) == 2 and sum("QuantizeLinear" in found for found in ops) == 1  # fp32 export + int8, cached
    assert_within_gate(variant, gate_sets)


@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_bf16_is_within_the_gate(backend: str, demo_model: SMAT, gate_sets: list) -> None:
    if not (cpu_has_bf16() if backend == "torch" else cpu_offers("bf16")):
        pytest.skip("bf16 is offered only on CPUs with native bfloat16")
    variant = Tracker(demo_model, device="cpu", backend=backend, options=BackendOptions(precision="bf16"))
    assert variant.backend.name == backend and variant.backend.precision == "bf16"
    assert_within_gate(variant, gate_sets)


def test_a_perturbed_network_fails_the_gate(demo_model: SMAT, gate_sets: list) -> None:
    noisy = SMAT()
    noisy.load_state_dict(demo_model.state_dict())
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in noisy.parameters():
            parameter.mul_(1 + 0.1 * torch.randn(parameter.shape, generator=generator))  # 10 % weight noise
    name, sequences, tracks = gate_sets[1]
    some = slice(None, None, 4)  # 10 of the 40 sequences, both seeds: enough to show the gate fails
    result = measure_set(name, Tracker(noisy.eval(), device="cpu", backend="torch"), sequences[some], tracks[some])
    assert not result.passes(), result


def test_one_step_tracking_starts_from_the_given_boxes(demo_model: SMAT, gate_sets: list) -> None:
    _, sequences, tracks = gate_sets[0]
    fp32 = Tracker(demo_model, device="cpu", backend="torch")
    replayed = track(fp32, sequences[0], given=tracks[0])
    np.testing.assert_allclose(replayed, tracks[0], atol=1e-3)  # same backend, same boxes: the same track
    shifted = track(fp32, sequences[0], given=tracks[0] + np.array([40.0, 0.0, 0.0, 0.0]))
    assert np.abs(shifted - tracks[0]).max() > 1.0  # the given boxes really move the search region


def test_set_accuracy_applies_the_gate() -> None:
    assert SetAccuracy("s", 1.9, 0.01, 3.0, 80.0, 0.50, 0.51).passes()
    assert not SetAccuracy("s", 2.1, 0.0, 2.1, 3.0, 0.50, 0.50).passes()
    assert not SetAccuracy("s", 0.5, 0.03, 3.0, 90.0, 0.50, 0.50).passes()
    assert not SetAccuracy("s", 0.5, 0.0, 0.5, 3.0, 0.47, 0.50).passes()
    assert SetAccuracy("s", 0.5, 0.0, 0.5, 3.0, None, None).passes()
