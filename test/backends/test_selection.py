"""Backend selection: the options object, the ``auto`` rule and its fall-back to torch."""
from __future__ import annotations

import logging
import sys

import pytest
import torch

from smat_ros.backends import BACKEND_CHOICES, BackendError, BackendOptions, choose_backend, create_backend
from smat_ros.backends import options as backend_options
from smat_ros.model import SMAT

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


@pytest.mark.parametrize(
    "device, options, expected",
    [
        (CPU, BackendOptions(), "onnxruntime"),
        (CPU, BackendOptions(precision="int8"), "openvino"),
        (CPU, BackendOptions(precision="bf16"), "openvino"),
        (CPU, BackendOptions(precision="fp16"), "torch"),
        (CPU, BackendOptions(graph="eager"), "torch"),
        (CPU, BackendOptions(provider="cpu"), "onnxruntime"),
        (CUDA, BackendOptions(), "torch"),
        (CUDA, BackendOptions(precision="fp16"), "torch"),
        (CUDA, BackendOptions(provider="tensorrt", precision="fp16"), "onnxruntime"),
    ],
)
def test_auto_picks_by_device_and_options(device: torch.device, options: BackendOptions, expected: str) -> None:
    assert choose_backend("auto", device, options) == expected


def test_without_openvino_int8_is_onnxruntimes_and_bf16_torchs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # what Python does when the package is not installed
    assert not backend_options.openvino_installed()
    assert choose_backend("auto", CPU, BackendOptions(precision="int8")) == "onnxruntime"
    assert choose_backend("auto", CPU, BackendOptions(precision="bf16")) == "torch"
    assert choose_backend("auto", CPU, BackendOptions()) == "onnxruntime"


def test_explicit_names_are_kept_and_unknown_ones_refused() -> None:
    names = ("torch", "onnxruntime", "openvino")
    assert [choose_backend(name, CPU, BackendOptions()) for name in names] == list(names)
    assert BACKEND_CHOICES == ("auto", "torch", "onnxruntime", "openvino")
    with pytest.raises(BackendError, match="unknown backend 'tflite': choose one of auto, torch, onnxruntime, open"):
        choose_backend("tflite", CPU, BackendOptions())


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"precision": "fp8"}, "unknown precision 'fp8'"),
        ({"graph": "jit"}, "unknown torch graph mode 'jit'"),
        ({"provider": "openvino"}, "unknown execution provider 'openvino'"),
        ({"threads": 0}, "threads must be a positive integer"),
        ({"threads": True}, "threads must be a positive integer"),
    ],
)
def test_bad_options_name_the_problem(fields: dict, message: str) -> None:
    with pytest.raises(BackendError, match=message):
        BackendOptions(**fields)


def test_auto_falls_back_to_torch_without_onnxruntime(
    fixture_model: SMAT, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what Python does when the package is not installed
    with caplog.at_level(logging.WARNING, logger="smat_ros.backends"):
        backend = create_backend("auto", fixture_model, CPU, BackendOptions(cache=False))
    assert backend.name == "torch"
    warnings = [r.getMessage() for r in caplog.records if r.name == "smat_ros.backends"]
    assert len(warnings) == 1 and "needs the onnxruntime package" in warnings[0]
    assert "falling back to the torch backend" in warnings[0]
    with pytest.raises(BackendError, match="needs the onnxruntime package"):
        create_backend("onnxruntime", fixture_model, CPU)  # asked for by name: no fall-back
    monkeypatch.setitem(sys.modules, "openvino", None)
    with pytest.raises(BackendError, match="needs the onnxruntime package"):
        create_backend("auto", fixture_model, CPU, BackendOptions(precision="int8"))  # int8: no torch fall-back


def test_auto_int8_falls_back_to_onnxruntime_when_openvino_cannot_run_it(
    fixture_model: SMAT, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from smat_ros.backends import openvino_backend

    def no_int8(_core: object, precision: str) -> None:
        raise BackendError(f"{precision} with openvino needs a CPU with native INT8 support (simulated)")

    monkeypatch.setattr(openvino_backend, "check_precision", no_int8)
    monkeypatch.setattr("smat_ros.backends.onnxruntime_backend.quantized", lambda graphs, _: graphs)  # no calibration
    with caplog.at_level(logging.WARNING, logger="smat_ros.backends"):
        backend = create_backend("auto", fixture_model, CPU, BackendOptions(precision="int8", cache=False))
    assert backend.name == "onnxruntime" and backend.precision == "int8"
    warnings = [r.getMessage() for r in caplog.records if r.name == "smat_ros.backends"]
    assert warnings == ["backend auto: int8 with openvino needs a CPU with native INT8 support (simulated); "
                        "falling back to the onnxruntime backend"]
    with pytest.raises(BackendError, match="native INT8"):
        create_backend("openvino", fixture_model, CPU, BackendOptions(precision="int8", cache=False))


def test_auto_falls_back_to_torch_when_onnxruntime_cannot_load_the_graph(
    fixture_model: SMAT, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import onnxruntime

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("simulated: libonnxruntime could not load a kernel")

    monkeypatch.setattr(onnxruntime, "InferenceSession", broken)
    with caplog.at_level(logging.WARNING, logger="smat_ros.backends"):
        backend = create_backend("auto", fixture_model, CPU, BackendOptions(cache=False))
    assert backend.name == "torch"
    assert [r.getMessage() for r in caplog.records if r.name == "smat_ros.backends"] == [
        "backend auto: onnxruntime could not open the graph on cpu: simulated: libonnxruntime could not load a "
        "kernel; falling back to the torch backend"
    ]
