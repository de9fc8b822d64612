"""The OpenVINO backend: the exported ONNX graphs compiled by OpenVINO's CPU plugin (opt-in, ``pip install openvino``).

On Intel CPUs OpenVINO runs int8 and bf16 through oneDNN's VNNI/AMX kernels, much faster than ONNX Runtime's
int8 kernels on the same graph (docs/performance.md). Precisions: ``fp32`` (inference precision forced to f32:
OpenVINO's CPU default is bf16 on CPUs that have it), ``bf16`` (only on CPUs with native bfloat16) and ``int8``
(the statically quantized QDQ graph of :mod:`smat_ros.backends.quantize`, the same one the onnxruntime backend
runs, with its fp32 parts kept in f32). Compiled models are cached by OpenVINO in the smat_ros cache folder.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from smat_ros.backends.base import Backend, TrackMaps, crop_to_array
from smat_ros.backends.graph_cache import cache_root, cached_graphs, export_facts
from smat_ros.backends.options import BackendError, BackendOptions
from smat_ros.backends.quantize import quantized
from smat_ros.export import OnnxGraphs, export_graphs
from smat_ros.model import SMAT
from smat_ros.model.branches import FEATURES, MAP_NAMES, SEARCH_INPUT, TEMPLATE_INPUT

PRECISION_HINTS = {"fp32": "f32", "bf16": "bf16", "int8": "f32"}  # int8: the quantized ops run int8, the rest f32


def openvino_core() -> Any:
    """An ``openvino.Core``; BackendError naming the install command when OpenVINO is missing."""
    try:
        import openvino
    except ImportError:
        raise BackendError("backend 'openvino' needs the openvino package: pip install 'smat_ros[openvino]' "
                           "(or pip install openvino)") from None
    return openvino.Core()


def check_precision(core: Any, precision: str) -> None:
    """BackendError unless OpenVINO's CPU plugin runs ``precision`` natively on this CPU."""
    if precision not in PRECISION_HINTS:
        raise BackendError(f"precision {precision!r} is not offered by the openvino backend (use fp32, bf16 or int8)")
    capabilities = set(core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
    needed = {"bf16": "BF16", "int8": "INT8"}.get(precision)
    if needed is not None and needed not in capabilities:
        raise BackendError(f"{precision} with openvino needs a CPU with native {needed} support "
                           f"(this one offers {', '.join(sorted(capabilities))})")


def cpu_offers(precision: str) -> bool:
    """Whether OpenVINO is installed and its CPU plugin runs ``precision`` natively on this CPU."""
    try:
        check_precision(openvino_core(), precision)
    except BackendError:
        return False
    return True


def checked_core(options: BackendOptions) -> Any:
    """An ``openvino.Core`` after checking that ``options`` can run on it (BackendError otherwise)."""
    if options.graph != "auto" or options.provider != "auto":
        raise BackendError("graph= and provider= apply to the torch and onnxruntime backends, not openvino")
    core = openvino_core()
    check_precision(core, options.precision)
    return core


class OpenVinoBackend(Backend):
    """Two OpenVINO compiled models (template, tracking) on the CPU plugin, latency-tuned, one stream."""

    name = "openvino"

    def __init__(self, graphs: OnnxGraphs, options: BackendOptions = BackendOptions()) -> None:
        core = checked_core(options)
        self.options = options
        self.device = torch.device("cpu")
        if options.cache:
            core.set_property({"CACHE_DIR": str(cache_root() / "openvino")})
        if options.precision == "int8":
            graphs = quantized(graphs, options.cache)
        self._template = self._compile(core, graphs.template)
        self._tracking = self._compile(core, graphs.tracking).create_infer_request()

    @classmethod
    def from_model(cls, model: SMAT, options: BackendOptions = BackendOptions()) -> OpenVinoBackend:
        """Export ``model`` to ONNX (or take the export from the on-disk cache) and compile it."""
        checked_core(options)  # fail before a slow export
        graphs = cached_graphs(export_facts(model), lambda: export_graphs(model), options.cache)
        return cls(graphs, options)

    @property
    def mode(self) -> str:
        """The OpenVINO device plugin in use."""
        return "CPU"

    def _compile(self, core: Any, graph: bytes) -> Any:
        """``graph`` (ONNX bytes) compiled for the CPU at the options' precision and threads."""
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1,
                                  "INFERENCE_PRECISION_HINT": PRECISION_HINTS[self.options.precision]}
        if self.options.threads is not None:
            config["INFERENCE_NUM_THREADS"] = self.options.threads
        try:
            return core.compile_model(core.read_model(graph, b""), "CPU", config)
        except RuntimeError as exc:
            raise BackendError(f"openvino could not compile the graph: {str(exc).splitlines()[0]}") from None

    def template_features(self, crop: np.ndarray) -> np.ndarray:
        """Template crop -> cached features (float32 numpy array)."""
        return np.array(self._template({TEMPLATE_INPUT: crop_to_array(crop)})[FEATURES])

    def track(self, features: object, crop: np.ndarray) -> TrackMaps:
        """Cached features + search crop -> float32 maps (CPU tensors)."""
        if not isinstance(features, np.ndarray):
            raise BackendError(f"openvino backend got template features of type {type(features).__name__}")
        outputs = self._tracking.infer({FEATURES: features, SEARCH_INPUT: crop_to_array(crop)})
        score, size, offset = (torch.from_numpy(np.array(outputs[name])) for name in MAP_NAMES)
        return TrackMaps(score, size, offset)
