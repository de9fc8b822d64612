"""The torch backend: BatchNorm folding, graph modes and precisions, parity with the reference outputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from smat_ros.backends import BackendError, create_backend
from smat_ros.backends.torch_backend import TorchBackend, check_device_precision, resolve_graph
from smat_ros.model import SMAT
from smat_ros.model.folding import count_batchnorms, count_parameters, fold_batchnorm

CPU = torch.device("cpu")
IO_TOLERANCE = 1e-4


def test_folding_removes_conv_batchnorms_and_keeps_outputs(fixture_model: SMAT, reference_io: dict) -> None:
    folded = fold_batchnorm(fixture_model)
    assert count_batchnorms(fixture_model) > count_batchnorms(folded) == 2  # only the neck's two branch norms stay
    assert count_parameters(folded) < count_parameters(fixture_model)
    template, search = torch.from_numpy(reference_io["template_image"]), torch.from_numpy(reference_io["search_image"])
    with torch.inference_mode():
        expected, got = fixture_model(template, search), folded(template, search)
    for key in ("score_map", "size_map", "offset_map"):
        assert torch.allclose(expected[key], got[key], atol=1e-5), key


@pytest.mark.parametrize("graph", ["eager", "frozen"])
def test_graph_modes_match_reference_maps(
    fixture_model: SMAT, crops: tuple[np.ndarray, np.ndarray], reference_io: dict, graph: str
) -> None:
    backend = TorchBackend(fixture_model, CPU, graph=graph)
    maps = backend.track(backend.template_features(crops[0]), crops[1])
    for key in ("score_map", "size_map", "offset_map"):
        got = getattr(maps, key)
        assert got.dtype == torch.float32 and got.device == CPU
        assert float(np.abs(got.numpy() - reference_io[key]).max()) <= IO_TOLERANCE, (graph, key)


def test_frozen_graph_depends_on_the_cached_features(fixture_model: SMAT, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = TorchBackend(fixture_model, CPU, graph="frozen")
    features = backend.template_features(crops[0])
    other = backend.template_features(np.ascontiguousarray(crops[0][::-1]))
    assert not torch.equal(backend.track(features, crops[1]).score_map, backend.track(other, crops[1]).score_map)


def test_selection_errors_name_the_problem(fixture_model: SMAT) -> None:
    with pytest.raises(BackendError, match="unknown backend 'tensorflow'"):
        create_backend("tensorflow", fixture_model, CPU)
    with pytest.raises(BackendError, match="unknown precision 'int4'"):
        create_backend("torch", fixture_model, CPU, precision="int4")
    with pytest.raises(BackendError, match="unknown torch graph mode 'jit'"):
        resolve_graph("jit", CPU)
    with pytest.raises(BackendError, match="fp16.*CUDA only"):
        create_backend("torch", fixture_model, CPU, precision="fp16")
    with pytest.raises(BackendError, match="bf16.*CPU only"):
        check_device_precision("bf16", torch.device("cuda"))
    with pytest.raises(BackendError, match="'frozen'.*CPU"):
        resolve_graph("frozen", torch.device("cuda"))
    with pytest.raises(BackendError, match="provider= applies to the onnxruntime backend"):
        create_backend("torch", fixture_model, CPU, provider="cpu")
    with pytest.raises(BackendError, match="threads= applies to the onnxruntime backend"):
        create_backend("torch", fixture_model, CPU, threads=2)
    with pytest.raises(BackendError, match="graph= applies to the torch backend"):
        create_backend("onnxruntime", fixture_model, CPU, graph="frozen")
    assert resolve_graph("auto", CPU) == "frozen" and resolve_graph("auto", torch.device("cuda")) == "eager"


def test_wrong_feature_type_is_rejected(fixture_model: SMAT, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = TorchBackend(fixture_model, CPU, graph="eager")
    with pytest.raises(BackendError, match="template features of type ndarray"):
        backend.track(np.zeros((1, 128, 4, 64), np.float32), crops[1])
