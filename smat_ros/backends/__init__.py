"""Inference backends behind one small interface: ``auto`` (default), ``torch`` and ``onnxruntime``.

``auto`` picks the fastest exact backend (:func:`~smat_ros.backends.options.choose_backend`): onnxruntime on CPU,
torch on CUDA. When it picked onnxruntime and onnxruntime is missing or cannot open the graphs, it falls back to
torch with one warning saying why (for fp32; int8 exists only in onnxruntime, so there it is an error).
"""
from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from smat_ros.backends.options import (
    BACKEND_CHOICES,
    BACKENDS,
    GRAPHS,
    PRECISIONS,
    PROVIDERS,
    BackendError,
    BackendOptions,
    choose_backend,
)

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


def create_backend(name: str, model: SMAT, device: torch.device, options: BackendOptions = BackendOptions()) -> Backend:
    """Backend ``name`` (``auto``, ``torch`` or ``onnxruntime``) for ``model`` on ``device`` with ``options``."""
    chosen = choose_backend(name, device, options)
    if chosen == "torch":
        return _torch(model, device, options)
    if name != "auto" or options.precision != "fp32":
        return _onnxruntime(model, device, options)
    try:
        return _onnxruntime(model, device, options)
    except (ImportError, BackendError) as exc:
        reason = f"onnxruntime is not installed ({exc})" if isinstance(exc, ImportError) else str(exc)
        log.warning("backend auto: %s; falling back to the torch backend", reason)
        return _torch(model, device, options)


def __getattr__(name: str) -> Any:
    """``Backend`` and ``TrackMaps`` (they need torch) on first access."""
    if name in ("Backend", "TrackMaps"):
        value = getattr(importlib.import_module("smat_ros.backends.base"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
