"""ONNX Runtime execution-provider selection and the TensorRT engine-cache key."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from smat_ros.backends import BackendError
from smat_ros.backends.providers import (
    CPU,
    CUDA,
    TENSORRT,
    ProviderRequest,
    available_providers,
    check_provider_precision,
    engine_cache_dir,
    provider_list,
    resolve_provider,
)

GPU_BUILD = [TENSORRT, CUDA, CPU]


def test_auto_prefers_tensorrt_then_cuda_then_cpu() -> None:
    assert resolve_provider("auto", GPU_BUILD) == "tensorrt"
    assert resolve_provider("auto", [CUDA, CPU]) == "cuda"
    assert resolve_provider("auto", [CPU]) == "cpu"


def test_missing_providers_are_named() -> None:
    with pytest.raises(BackendError, match="TensorRT was requested but this onnxruntime build has no TensorRT"):
        resolve_provider("tensorrt", [CUDA, CPU])
    with pytest.raises(BackendError, match=r"CUDA was requested.*available: CPUExecutionProvider"):
        resolve_provider("cuda", [CPU])
    with pytest.raises(BackendError, match="unknown execution provider 'openvino'"):
        resolve_provider("openvino", GPU_BUILD)


def test_missing_onnxruntime_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(BackendError, match="needs the onnxruntime package"):
        available_providers()


def test_precision_rules() -> None:
    check_provider_precision("cpu", "fp32")
    check_provider_precision("tensorrt", "fp16")
    with pytest.raises(BackendError, match="fp16 with onnxruntime needs the TensorRT provider"):
        check_provider_precision("cuda", "fp16")
    with pytest.raises(BackendError, match="'bf16' is not offered by the onnxruntime backend"):
        check_provider_precision("cpu", "bf16")


def test_engine_cache_is_keyed_by_the_onnx_bytes(tmp_path: Path) -> None:
    first = engine_cache_dir(tmp_path, b"graph-1", "fp16", 0, "1.32.0")
    assert first == engine_cache_dir(tmp_path, b"graph-1", "fp16", 0, "1.32.0")
    assert first.parent == tmp_path
    changed = {
        engine_cache_dir(tmp_path, b"graph-2", "fp16", 0, "1.32.0"),
        engine_cache_dir(tmp_path, b"graph-1", "fp32", 0, "1.32.0"),
        engine_cache_dir(tmp_path, b"graph-1", "fp16", 1, "1.32.0"),
        engine_cache_dir(tmp_path, b"graph-1", "fp16", 0, "1.33.0"),
    }
    assert first not in changed and len(changed) == 4


def test_tensorrt_options_enable_the_keyed_cache(tmp_path: Path) -> None:
    request = ProviderRequest("tensorrt", "fp16", device_id=1, engine_cache_root=tmp_path)
    providers = provider_list("tensorrt", request, b"graph", "1.32.0")
    (name, options), (fallback, fallback_options), last = providers
    assert (name, fallback, last) == (TENSORRT, CUDA, CPU)
    assert options["trt_fp16_enable"] is True and options["trt_engine_cache_enable"] is True
    assert options["device_id"] == 1 and fallback_options == {"device_id": 1}
    cache = Path(options["trt_engine_cache_path"])
    assert cache == engine_cache_dir(tmp_path, b"graph", "fp16", 1, "1.32.0") and cache.is_dir()
    other = provider_list("tensorrt", request, b"graph, edited", "1.32.0")[0][1]["trt_engine_cache_path"]
    assert Path(other) != cache


def test_cpu_and_cuda_provider_lists() -> None:
    assert provider_list("cpu", ProviderRequest("cpu"), b"g", "1") == [CPU]
    assert provider_list("cuda", ProviderRequest("cuda", device_id=2), b"g", "1") == [(CUDA, {"device_id": 2}), CPU]
    uncached = ProviderRequest("tensorrt", engine_cache_root=None)
    assert "trt_engine_cache_enable" not in provider_list("tensorrt", uncached, b"g", "1")[0][1]


def test_default_engine_cache_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMAT_CACHE_DIR", str(tmp_path))
    assert ProviderRequest().engine_cache_root == tmp_path / "tensorrt"


def test_int8_runs_on_the_cpu_provider_only() -> None:
    check_provider_precision("cpu", "int8")
    with pytest.raises(BackendError, match="int8 with onnxruntime runs on the CPU provider"):
        check_provider_precision("tensorrt", "int8")
