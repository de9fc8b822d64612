"""Torch device selection: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``, checked against this machine."""
from __future__ import annotations

import torch

from smat_ros.errors import DeviceError

DEVICE_HELP = "use 'auto', 'cpu', 'cuda' or 'cuda:N'"


def resolve_device(device: str | torch.device) -> torch.device:
    """``auto`` -> CUDA when available else CPU; ``cpu``, ``cuda`` and ``cuda:N`` are checked to exist."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise DeviceError(f"unknown device {device!r}: {DEVICE_HELP}") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {device!r} requested but CUDA is not available on this machine")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise DeviceError(f"device {device!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif resolved.type != "cpu":
        raise DeviceError(f"unsupported device {device!r}: {DEVICE_HELP}")
    return resolved
