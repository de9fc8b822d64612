"""What a caller asks of a backend: the choice lists, the :class:`BackendOptions` object and the ``auto`` rule.

The CLIs and the ROS node take their choice lists from here, so a new backend or precision is added in one place.
"""
from __future__ import annotations

import dataclasses
import importlib.util
from typing import TYPE_CHECKING

from smat_ros.errors import SmatError

if TYPE_CHECKING:
    import torch

BACKENDS = ("torch", "onnxruntime", "openvino")
BACKEND_CHOICES = ("auto", *BACKENDS)
PRECISIONS = ("fp32", "fp16", "bf16", "int8")
GRAPHS = ("auto", "eager", "frozen", "compiled")
PROVIDERS = ("auto", "cpu", "cuda", "tensorrt")


class BackendError(SmatError, ValueError):
    """A backend, precision or execution provider was requested that cannot run here."""


def _check_choice(kind: str, value: object, choices: tuple[str, ...]) -> None:
    """BackendError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise BackendError(f"unknown {kind} {value!r}: choose one of {', '.join(choices)}")


@dataclasses.dataclass(frozen=True)
class BackendOptions:
    """How the backend runs the network.

    * ``precision``: ``fp32`` (default, exact), ``fp16`` (CUDA), ``bf16`` (torch or openvino on a CPU with bf16
      support) or ``int8`` (onnxruntime or openvino on CPU, statically quantized; see docs/performance.md for the
      accuracy gate).
    * ``graph``: torch graph mode: ``auto`` (frozen on CPU, eager on CUDA), ``eager``, ``frozen``, ``compiled``.
    * ``provider``: onnxruntime execution provider: ``auto`` (follows the device), ``cpu``, ``cuda``, ``tensorrt``.
    * ``threads``: CPU threads of the backend (None: the runtime's default). The backend applies them itself:
      onnxruntime per session, torch process-wide (``torch.set_num_threads``).
    * ``cache``: keep exported and quantized ONNX graphs on disk (see :mod:`smat_ros.backends.graph_cache`).
    """

    precision: str = "fp32"
    graph: str = "auto"
    provider: str = "auto"
    threads: int | None = None
    cache: bool = True

    def __post_init__(self) -> None:
        _check_choice("precision", self.precision, PRECISIONS)
        _check_choice("torch graph mode", self.graph, GRAPHS)
        _check_choice("execution provider", self.provider, PROVIDERS)
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int)
                                         or self.threads < 1):
            raise BackendError(f"threads must be a positive integer or None, got {self.threads!r}")


def openvino_installed() -> bool:
    """Whether the optional openvino package can be imported (looked up, not imported)."""
    try:
        return importlib.util.find_spec("openvino") is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules (a blocked import)
        return False


def cpu_backend_without_openvino(precision: str) -> str:
    """The CPU backend for ``precision`` among the core ones: onnxruntime for fp32 and int8, torch for bf16 (and
    fp16, which torch refuses on a CPU with its own message)."""
    return "onnxruntime" if precision in ("fp32", "int8") else "torch"


def choose_backend(name: str, device: torch.device, options: BackendOptions) -> str:
    """The backend ``name`` stands for: ``auto`` -> the fastest backend for ``device`` and ``options``.

    ``auto``: a torch graph mode asks for torch, an execution provider for onnxruntime; otherwise on CPU
    onnxruntime for fp32 (the fastest exact backend, a core dependency), openvino for int8 and bf16 when the
    optional openvino package is installed (its oneDNN int8/bf16 kernels are the fastest measured; else int8 is
    onnxruntime's and bf16 torch's); on CUDA torch (the onnxruntime wheel the package installs has no CUDA
    provider; TensorRT fp16 is faster but not exact, so it stays opt-in).
    """
    _check_choice("backend", name, BACKEND_CHOICES)
    if name != "auto":
        return name
    if options.graph != "auto":
        return "torch"
    if options.provider != "auto":
        return "onnxruntime"
    if device.type != "cpu":
        return "torch"
    if options.precision in ("int8", "bf16") and openvino_installed():
        return "openvino"
    return cpu_backend_without_openvino(options.precision)


def fallback_backend(chosen: str, device: torch.device, options: BackendOptions) -> str | None:
    """What ``auto`` falls back to when ``chosen`` cannot run (None: nothing, the error stands)."""
    if chosen == "openvino":
        return cpu_backend_without_openvino(options.precision)
    if chosen == "onnxruntime" and device.type == "cpu" and options.precision == "fp32":
        return "torch"
    return None
