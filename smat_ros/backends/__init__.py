"""Inference backends behind one small interface: ``auto`` (default), ``torch``, ``onnxruntime`` and ``openvino``.

``auto`` picks the fastest backend (:func:`~smat_ros.backends.options.choose_backend`): onnxruntime for fp32 on
CPU, openvino for int8/bf16 on CPU when it is installed, torch on CUDA. When its choice cannot run (onnxruntime
missing or unable to open the graphs, a CPU without the precision OpenVINO was asked for), it falls back with one
warning saying why (:func:`~smat_ros.backends.options.fallback_backend`: fp32 to torch, int8 to onnxruntime, bf16
to torch); a backend asked for by name never falls back.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smat_ros.backends.options import (
    BACKEND_CHOICES,
    BACKENDS,
    GRAPHS,
    PRECISIONS,
    PROVIDERS,
    BackendError,
    BackendOptions,
    choose_backend,
    fallback_backend,
)
from smat_ros.lazy_imports import lazy_getattr

if TYPE_CHECKING:  # torch is imported when a backend is created, so that the option names stay light
    import torch

    from smat_ros.backends.base import Backend, TrackMaps
    from smat_ros.model import SMAT

log = logging.getLogger(__name__)


def _torch(model: SMAT, device: torch.device, options: BackendOptions) -> Backend:
    """The torch backend."""
    from smat_ros.backends.torch_backend import TorchBackend

    return TorchBackend(model, device, options)


def _onnxruntime(model: SMAT, device: torch.device, options: BackendOptions) -> Backend:
    """The onnxruntime backend; provider ``auto`` follows the device (CPU -> cpu; CUDA -> TensorRT, else CUDA)."""
    from smat_ros.backends.onnxruntime_backend import OnnxRuntimeBackend

    if options.provider == "auto" and device.type == "cpu":
        options = BackendOptions(options.precision, options.graph, "cpu", options.threads, options.cache)
    return OnnxRuntimeBackend.from_model(model, options, device.index or 0)


def _openvino(model: SMAT, device: torch.device, options: BackendOptions) -> Backend:
    """The OpenVINO backend (CPU plugin)."""
    from smat_ros.backends.openvino_backend import OpenVinoBackend

    if device.type != "cpu":
        raise BackendError(f"the openvino backend runs on the CPU; got device {device}")
    return OpenVinoBackend.from_model(model, options)


BUILDERS = {"torch": _torch, "onnxruntime": _onnxruntime, "openvino": _openvino}


def create_backend(name: str, model: SMAT, device: torch.device, options: BackendOptions = BackendOptions()) -> Backend:
    """Backend ``name`` (``auto``, ``torch``, ``onnxruntime`` or ``openvino``) for ``model`` on ``device``."""
    chosen = choose_backend(name, device, options)
    fallback = fallback_backend(chosen, device, options) if name == "auto" else None
    if fallback is None:
        return BUILDERS[chosen](model, device, options)
    try:
        return BUILDERS[chosen](model, device, options)
    except (ImportError, BackendError) as exc:
        reason = f"{chosen} is not installed ({exc})" if isinstance(exc, ImportError) else str(exc)
        log.warning("backend auto: %s; falling back to the %s backend", reason, fallback)
        return BUILDERS[fallback](model, device, options)


# Backend and TrackMaps need torch: imported on first access
__getattr__ = lazy_getattr(__name__, {"Backend": "smat_ros.backends.base", "TrackMaps": "smat_ros.backends.base"})


__all__ = [
    "BACKENDS",
    "BACKEND_CHOICES",
    "GRAPHS",
    "PRECISIONS",
    "PROVIDERS",
    "Backend",
    "BackendError",
    "BackendOptions",
    "TrackMaps",
    "choose_backend",
    "create_backend",
]
