"""Inference backends behind one small interface: ``torch`` (default) and ``onnxruntime``."""
from __future__ import annotations

import torch

from smat_ros.backends.base import PRECISIONS, Backend, BackendError, TrackMaps
from smat_ros.model import SMAT

BACKENDS = ("torch", "onnxruntime")


def create_backend(
    name: str,
    model: SMAT,
    device: torch.device,
    precision: str = "fp32",
    graph: str = "auto",
    provider: str | None = None,
    threads: int | None = None,
) -> Backend:
    """Backend ``name`` for ``model``: torch on ``device`` (graph mode ``graph``) or onnxruntime on ``provider``.

    For onnxruntime the provider defaults to the device: CPU -> ``cpu``, CUDA -> ``auto`` (TensorRT, else CUDA).
    """
    if name == "torch":
        from smat_ros.backends.torch_backend import TorchBackend

        if provider is not None:
            raise BackendError("provider= applies to the onnxruntime backend only")
        if threads is not None:
            raise BackendError("threads= applies to the onnxruntime backend; for torch call torch.set_num_threads()")
        return TorchBackend(model, device, precision, graph)
    if name == "onnxruntime":
        from smat_ros.backends.onnxruntime_backend import OnnxRuntimeBackend
        from smat_ros.backends.providers import ProviderRequest

        if graph != "auto":
            raise BackendError("graph= applies to the torch backend only")
        chosen = provider or ("cpu" if device.type == "cpu" else "auto")
        request = ProviderRequest(chosen, precision, device.index or 0)
        return OnnxRuntimeBackend.from_model(model, request, threads)
    raise BackendError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "PRECISIONS", "Backend", "BackendError", "TrackMaps", "create_backend"]
