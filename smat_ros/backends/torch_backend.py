"""The PyTorch backend: the model run eagerly, or a BatchNorm-folded inference copy frozen (TorchScript) or compiled.

Graph modes (``graph=``):

* ``frozen`` (default on CPU): a BatchNorm-folded copy whose tracking branch is traced, frozen and optimised for
  inference with TorchScript (oneDNN convolutions with pre-packed weights and fused activations). Built in about a
  second at start-up.
* ``eager`` (default on CUDA): the given model itself, moved to the device and precision, run as ordinary modules
  (forward hooks and debuggers see every layer); in fp16 the BatchNorm-folded copy (:func:`inference_model`).
* ``compiled``: ``torch.compile`` (Inductor) of the folded copy; on CUDA in ``reduce-overhead`` mode (the step
  replayed as one CUDA graph). Opt-in: the first compilation takes minutes on a small CPU; Inductor's on-disk cache
  (``TORCHINDUCTOR_CACHE_DIR``) shortens later start-ups to seconds.

Precisions: ``fp32``; ``fp16`` on CUDA; ``bf16`` on CPU (weights and activations in bfloat16; refused on a CPU
without native bf16 arithmetic, where oneDNN would emulate it slower than fp32).

Threads: ``options.threads`` is applied with ``torch.set_num_threads``, which is process-wide in torch.
"""
from __future__ import annotations

import logging
import warnings

import numpy as np
import torch

from smat_ros.backends.base import Backend, TrackMaps
from smat_ros.backends.options import GRAPHS, BackendError, BackendOptions
from smat_ros.model import SMAT
from smat_ros.model.branches import TemplateBranch, TrackingBranch
from smat_ros.model.folding import fold_batchnorm

log = logging.getLogger(__name__)

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_graph(graph: str, device: torch.device) -> str:
    """``auto`` -> ``frozen`` on CPU, ``eager`` on CUDA; other names are checked."""
    if graph not in GRAPHS:
        raise BackendError(f"unknown torch graph mode {graph!r}: choose one of {', '.join(GRAPHS)}")
    if graph == "auto":
        return "frozen" if device.type == "cpu" else "eager"
    if graph == "frozen" and device.type != "cpu":
        raise BackendError("graph='frozen' (TorchScript + oneDNN) is for CPU; use 'eager' or 'compiled' on CUDA")
    return graph


def cpu_has_bf16() -> bool:
    """Whether oneDNN runs bfloat16 natively on this CPU (AVX512-BF16 or AMX)."""
    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def check_device_precision(precision: str, device: torch.device) -> None:
    """Raise BackendError for precisions the device cannot run (fp16 needs CUDA, bf16 a bf16 CPU, no int8)."""
    if precision == "fp16" and device.type != "cuda":
        raise BackendError("half precision (fp16) is supported on CUDA only; on CPU use precision='bf16'")
    if precision == "bf16" and device.type != "cpu":
        raise BackendError("precision='bf16' is offered on CPU only; on CUDA use precision='fp16'")
    if precision == "bf16" and not cpu_has_bf16():
        raise BackendError("precision='bf16' needs a CPU with native bfloat16 (AVX512-BF16 or AMX); this one has none")
    if precision == "int8":
        raise BackendError("precision='int8' is offered by the onnxruntime backend on CPU, not by torch")


def freeze_tracking_branch(
    branch: TrackingBranch, features: torch.Tensor, search: torch.Tensor
) -> torch.jit.ScriptModule:
    """Trace ``branch`` on example inputs, freeze it and apply TorchScript's inference optimisations."""
    with warnings.catch_warnings():
        # TorchScript is deprecated upstream but still the fastest no-compile CPU path in torch 2.13; the shape
        # check in the backbone is constant for the static shapes traced here.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        traced = torch.jit.trace(branch, (features, search), check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))


def inference_model(model: SMAT, graph: str, device: torch.device, dtype: torch.dtype) -> SMAT:
    """The module that runs: in eager mode the given model itself (moved in place), else a BatchNorm-folded copy.

    fp16 always runs the folded copy: trained SMAT BatchNorms carry running variances beyond float16's range
    (up to 8.8e5 on the demo weights; float16 ends at 65504), so an fp16 BatchNorm would divide by infinity.
    """
    if graph == "eager" and dtype != torch.float16:
        return model.eval().to(device=device, dtype=dtype)
    return fold_batchnorm(model).to(device=device, dtype=dtype)


class TorchBackend(Backend):
    """SMAT in PyTorch on one device and precision; ``model`` is the module that runs (in eager mode, the given one)."""

    name = "torch"

    def __init__(self, model: SMAT, device: torch.device, options: BackendOptions = BackendOptions()) -> None:
        if options.provider != "auto":
            raise BackendError("provider= applies to the onnxruntime backend only")
        self.options = options
        self.device = device
        check_device_precision(options.precision, device)
        self.graph = resolve_graph(options.graph, device)
        self.dtype = DTYPES[options.precision]
        if options.threads is not None:
            torch.set_num_threads(options.threads)  # process-wide in torch
        # bf16 runs channels-last: oneDNN's bf16 convolutions need it (frozen, 2 threads, Intel Xeon with AMX:
        # 27.2 ms channels-last against 66.0 ms contiguous; fp32 gains nothing from it: 42.5 vs 44.4 ms)
        self.memory_format = torch.channels_last if self.dtype == torch.bfloat16 else torch.contiguous_format
        self.model = inference_model(model, self.graph, device, self.dtype)
        if self.memory_format == torch.channels_last:  # Module.to takes memory_format; its type stubs do not say so
            self.model = self.model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        config = model.config
        self._template = TemplateBranch(self.model)
        self._tracking = self._build_tracking(TrackingBranch(self.model), config.template_size, config.search_size)

    @property
    def mode(self) -> str:
        """The graph mode in use."""
        return self.graph

    def _build_tracking(self, branch: TrackingBranch, template_size: int, search_size: int) -> torch.nn.Module:
        """The tracking branch in the chosen graph mode (traced on zero inputs of the tracker's static shapes)."""
        if self.graph == "eager":
            return branch
        if self.graph == "compiled":
            log.info("torch.compile of the tracking branch happens on the first track() call (slow when cold)")
            mode = "reduce-overhead" if self.device.type == "cuda" else None  # CUDA graphs: one launch per step
            return torch.compile(branch, dynamic=False, mode=mode)  # type: ignore[return-value]  # a callable module
        template = torch.zeros(1, 3, template_size, template_size, device=self.device, dtype=self.dtype)
        search = torch.zeros(1, 3, search_size, search_size, device=self.device, dtype=self.dtype)
        template, search = (image.contiguous(memory_format=self.memory_format) for image in (template, search))
        with torch.no_grad():
            return freeze_tracking_branch(branch, self._template(template), search)

    def _to_input(self, crop: np.ndarray) -> torch.Tensor:
        """uint8 crop [H, W, 3] -> [1, 3, H, W] on the device in the backend dtype, RGB / 255 computed in float32."""
        pixels = torch.from_numpy(np.ascontiguousarray(crop)).to(self.device, non_blocking=True)
        image = pixels.permute(2, 0, 1).unsqueeze(0).to(torch.float32) / 255.0  # [1, 3, H, W]
        return image.to(self.dtype).contiguous(memory_format=self.memory_format)

    @torch.inference_mode()
    def template_features(self, crop: np.ndarray) -> torch.Tensor:
        """Template crop -> cached features [1, 128, 4, 64] on the device."""
        return self._template(self._to_input(crop))

    @torch.inference_mode()
    def track(self, features: object, crop: np.ndarray) -> TrackMaps:
        """Cached features + search crop -> float32 maps on the device."""
        if not isinstance(features, torch.Tensor):
            raise BackendError(f"torch backend got template features of type {type(features).__name__}")
        score, size, offset = self._tracking(features, self._to_input(crop))
        return TrackMaps(score.float(), size.float(), offset.float())
