"""ONNX Runtime execution providers: names, availability checks and the TensorRT engine-cache key.

TensorRT builds an engine from the ONNX graph on first use (minutes on a Jetson). With
``trt_engine_cache_enable`` the engine is written under ``trt_engine_cache_path`` and reused, but ONNX Runtime does
not notice when the ONNX file changes behind a cached engine. So the cache folder is keyed by what the engine
depends on: the SHA-256 of the ONNX bytes, the precision, the device and the onnxruntime version. A new ONNX file
lands in a new folder, and its engine is rebuilt.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smat_ros.backends.graph_cache import cache_root
from smat_ros.backends.options import PROVIDERS as PROVIDER_CHOICES
from smat_ros.backends.options import BackendError

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
PROVIDER_NAMES = {"cpu": CPU, "cuda": CUDA, "tensorrt": TENSORRT}


def default_engine_cache() -> Path:
    """Root of the TensorRT engine caches: ``tensorrt/`` in the smat_ros cache folder (see graph_cache.cache_root)."""
    return cache_root() / "tensorrt"


@dataclasses.dataclass(frozen=True)
class ProviderRequest:
    """Which execution provider to use and how: ``provider`` is one of auto, cpu, cuda, tensorrt.

    ``engine_cache_root`` holds TensorRT engines (None: no engine cache, every start-up rebuilds them).
    """

    provider: str = "auto"
    precision: str = "fp32"
    device_id: int = 0
    engine_cache_root: Path | None = dataclasses.field(default_factory=default_engine_cache)


def available_providers() -> list[str]:
    """Execution providers of the installed onnxruntime build (BackendError when onnxruntime is missing)."""
    try:
        import onnxruntime
    except ImportError:
        raise BackendError(
            "backend 'onnxruntime' needs the onnxruntime package: pip install onnxruntime (CPU) or "
            "onnxruntime-gpu (CUDA/TensorRT; on Jetson the JetPack wheel)"
        ) from None
    return list(onnxruntime.get_available_providers())


def resolve_provider(provider: str, available: Sequence[str]) -> str:
    """``auto`` -> tensorrt, cuda or cpu, the first available; an explicit name must be available."""
    if provider not in PROVIDER_CHOICES:
        raise BackendError(f"unknown execution provider {provider!r}: choose one of {', '.join(PROVIDER_CHOICES)}")
    if provider == "auto":
        return next(name for name in ("tensorrt", "cuda", "cpu") if PROVIDER_NAMES[name] in available)
    if PROVIDER_NAMES[provider] not in available:
        hint = {
            "tensorrt": "TensorRT was requested but this onnxruntime build has no TensorRT execution provider; "
            "install onnxruntime-gpu built with TensorRT (on Jetson: JetPack's onnxruntime-gpu) and TensorRT itself",
            "cuda": "CUDA was requested but this onnxruntime build has no CUDA execution provider; "
            "install onnxruntime-gpu (and a matching CUDA/cuDNN)",
        }.get(provider, f"execution provider {PROVIDER_NAMES[provider]} is not available")
        raise BackendError(f"{hint} (available: {', '.join(available) or 'none'})")
    return provider


def check_provider_precision(provider: str, precision: str) -> None:
    """Raise BackendError for precision/provider pairs onnxruntime cannot run from our fp32 ONNX graphs."""
    if precision == "fp32":
        return
    if precision == "fp16" and provider == "tensorrt":
        return
    if precision == "int8" and provider == "cpu":
        return
    if precision == "int8":
        raise BackendError(
            f"int8 with onnxruntime runs on the CPU provider (statically quantized graph); got {provider!r}")
    if precision == "fp16":
        raise BackendError(
            f"fp16 with onnxruntime needs the TensorRT provider (it builds an fp16 engine from the fp32 graph); "
            f"got provider {provider!r}. For fp16 on CUDA without TensorRT use backend='torch' with precision='fp16'"
        )
    raise BackendError(f"precision {precision!r} is not offered by the onnxruntime backend "
                       "(use fp32, int8 on CPU, or fp16 on TensorRT; bf16 is the torch backend's)")


def validate_request(request: ProviderRequest) -> str:
    """The provider ``request`` resolves to on this machine; BackendError if it or its precision cannot run."""
    provider = resolve_provider(request.provider, available_providers())
    check_provider_precision(provider, request.precision)
    return provider


def model_digest(model: bytes) -> str:
    """SHA-256 of an ONNX model's bytes (hex)."""
    return hashlib.sha256(model).hexdigest()


def engine_cache_dir(root: Path, model: bytes, precision: str, device_id: int, ort_version: str) -> Path:
    """Folder for the TensorRT engines of exactly this ONNX graph, precision, device and onnxruntime version."""
    return Path(root) / f"{model_digest(model)[:20]}-{precision}-gpu{device_id}-ort{ort_version}"


def provider_list(provider: str, request: ProviderRequest, model: bytes, ort_version: str) -> list[Any]:
    """The ``providers`` argument of an InferenceSession: the chosen provider first, then its fallbacks."""
    cuda = (CUDA, {"device_id": request.device_id})
    if provider == "cpu":
        return [CPU]
    if provider == "cuda":
        return [cuda, CPU]
    options: dict[str, Any] = {"device_id": request.device_id, "trt_fp16_enable": request.precision == "fp16"}
    if request.engine_cache_root is not None:
        cache = engine_cache_dir(request.engine_cache_root, model, request.precision, request.device_id, ort_version)
        cache.mkdir(parents=True, exist_ok=True)
        options.update(
            trt_engine_cache_enable=True,
            trt_engine_cache_path=str(cache),
            trt_timing_cache_enable=True,
            trt_timing_cache_path=str(cache),
        )
    return [(TENSORRT, options), cuda, CPU]
