"""The ONNX Runtime backend: the exported template and tracking graphs on the CPU, CUDA or TensorRT provider.

Cached template features stay where the provider computed them (an OrtValue, on the GPU for CUDA/TensorRT) and are
bound to every tracking run, so only the search crop travels per frame.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from smat_ros.backends.base import Backend, TrackMaps, crop_to_array
from smat_ros.backends.graph_cache import cached_graphs, export_facts
from smat_ros.backends.options import BackendError, BackendOptions
from smat_ros.backends.providers import (
    PROVIDER_NAMES,
    ProviderRequest,
    default_engine_cache,
    provider_list,
    validate_request,
)
from smat_ros.backends.quantize import quantized
from smat_ros.export import OnnxGraphs, export_graphs, read_graphs
from smat_ros.model import SMAT
from smat_ros.model.branches import FEATURES, MAP_NAMES, SEARCH_INPUT, TEMPLATE_INPUT


class OnnxRuntimeBackend(Backend):
    """Two onnxruntime sessions (template, tracking) on one execution provider.

    ``options.provider`` ``auto`` takes the first available of TensorRT, CUDA and CPU (:func:`create_backend`
    maps ``auto`` on a CPU device to ``cpu``). With ``precision="int8"`` the fp32 graphs are quantized first
    (:mod:`smat_ros.backends.quantize`, CPU provider only).
    """

    name = "onnxruntime"

    def __init__(self, graphs: OnnxGraphs, options: BackendOptions = BackendOptions(), device_id: int = 0) -> None:
        request = self.request(options, device_id)
        self.options = options
        self.provider = validate_request(request)
        self.device = torch.device("cpu")
        self._device_type = "cpu" if self.provider == "cpu" else "cuda"
        self._device_id = device_id
        if options.precision == "int8":
            graphs = quantized(graphs, options.cache)
        self._template = self._session(graphs.template, request)
        self._tracking = self._session(graphs.tracking, request)

    @staticmethod
    def request(options: BackendOptions, device_id: int = 0) -> ProviderRequest:
        """The provider request ``options`` make (TensorRT engines cached when ``options.cache``)."""
        if options.graph != "auto":
            raise BackendError("graph= applies to the torch backend only")
        cache = default_engine_cache() if options.cache else None
        return ProviderRequest(options.provider, options.precision, device_id, cache)

    @property
    def mode(self) -> str:
        """The execution provider in use."""
        return self.provider

    @classmethod
    def from_model(
        cls, model: SMAT, options: BackendOptions = BackendOptions(), device_id: int = 0
    ) -> OnnxRuntimeBackend:
        """Export ``model`` to ONNX (or take the export from the on-disk cache) and open it."""
        validate_request(cls.request(options, device_id))  # fail before a slow export
        graphs = cached_graphs(export_facts(model), lambda: export_graphs(model), options.cache)
        return cls(graphs, options, device_id)

    @classmethod
    def from_directory(
        cls, directory: str | Path, options: BackendOptions = BackendOptions(), device_id: int = 0
    ) -> OnnxRuntimeBackend:
        """Open ``template.onnx`` and ``tracking.onnx`` written by ``smat-export onnx``."""
        validate_request(cls.request(options, device_id))
        return cls(read_graphs(directory), options, device_id)

    def _session(self, model: bytes, request: ProviderRequest) -> Any:
        """An InferenceSession on the chosen provider; BackendError if onnxruntime silently fell back to another."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        if self.options.threads is not None:
            options.intra_op_num_threads = self.options.threads
            options.inter_op_num_threads = 1
        # Idle workers sleep instead of spinning: on a CPU shared with other nodes spinning steals their time
        # (measured here: 2-thread steps 93 ms spinning vs 84 ms not, on a loaded 2-core machine; equal when quiet).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = provider_list(self.provider, request, model, onnxruntime.__version__)
        try:
            session = onnxruntime.InferenceSession(model, options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types, not importable uniformly
            raise BackendError(f"onnxruntime could not open the graph on {self.provider}: {exc}") from None
        wanted = PROVIDER_NAMES[self.provider]
        if session.get_providers()[0] != wanted:
            raise BackendError(
                f"onnxruntime could not start {wanted} (it fell back to {session.get_providers()[0]}); "
                "check the CUDA/TensorRT libraries match this onnxruntime build"
            )
        return session

    def template_features(self, crop: np.ndarray) -> Any:
        """Template crop -> cached features as an OrtValue on the provider's device."""
        binding = self._template.io_binding()
        binding.bind_cpu_input(TEMPLATE_INPUT, crop_to_array(crop))
        binding.bind_output(FEATURES, self._device_type, self._device_id)
        self._template.run_with_iobinding(binding)
        return binding.get_outputs()[0]

    def track(self, features: object, crop: np.ndarray) -> TrackMaps:
        """Cached features + search crop -> float32 maps (CPU tensors)."""
        import onnxruntime

        if not isinstance(features, onnxruntime.OrtValue):
            raise BackendError(f"onnxruntime backend got template features of type {type(features).__name__}")
        binding = self._tracking.io_binding()
        binding.bind_ortvalue_input(FEATURES, features)
        binding.bind_cpu_input(SEARCH_INPUT, crop_to_array(crop))
        for name in MAP_NAMES:
            binding.bind_output(name, "cpu")
        self._tracking.run_with_iobinding(binding)
        score, size, offset = (torch.from_numpy(array) for array in binding.copy_outputs_to_cpu())
        return TrackMaps(score, size, offset)

