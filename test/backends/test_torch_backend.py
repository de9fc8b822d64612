"""The torch backend: BatchNorm folding, graph modes and precisions, parity with the reference outputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from smat_ros.backends import BackendError, BackendOptions, create_backend
from smat_ros.backends.torch_backend import (
    TorchBackend,
    check_device_precision,
    cpu_has_bf16,
    inference_model,
    resolve_graph,
)
from smat_ros.model import SMAT
from smat_ros.model.folding import count_batchnorms, count_parameters, fold_batchnorm

CPU = torch.device("cpu")
IO_TOLERANCE = 1e-4
FP16_MAX = float(torch.finfo(torch.float16).max)


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
    backend = TorchBackend(fixture_model, CPU, BackendOptions(graph=graph))
    maps = backend.track(backend.template_features(crops[0]), crops[1])
    for key in ("score_map", "size_map", "offset_map"):
        got = getattr(maps, key)
        assert got.dtype == torch.float32 and got.device == CPU
        assert float(np.abs(got.numpy() - reference_io[key]).max()) <= IO_TOLERANCE, (graph, key)


def test_frozen_graph_depends_on_the_cached_features(fixture_model: SMAT, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = TorchBackend(fixture_model, CPU, BackendOptions(graph="frozen"))
    features = backend.template_features(crops[0])
    other = backend.template_features(np.ascontiguousarray(crops[0][::-1]))
    assert not torch.equal(backend.track(features, crops[1]).score_map, backend.track(other, crops[1]).score_map)


def test_selection_errors_name_the_problem(fixture_model: SMAT) -> None:
    with pytest.raises(BackendError, match="unknown backend 'tensorflow'"):
        create_backend("tensorflow", fixture_model, CPU)
    with pytest.raises(BackendError, match="unknown precision 'int4'"):
        BackendOptions(precision="int4")
    with pytest.raises(BackendError, match="unknown torch graph mode 'jit'"):
        resolve_graph("jit", CPU)
    with pytest.raises(BackendError, match="fp16.*CUDA only"):
        create_backend("torch", fixture_model, CPU, BackendOptions(precision="fp16"))
    with pytest.raises(BackendError, match="bf16.*CPU only"):
        check_device_precision("bf16", torch.device("cuda"))
    with pytest.raises(BackendError, match="int8.*onnxruntime"):
        create_backend("torch", fixture_model, CPU, BackendOptions(precision="int8"))
    with pytest.raises(BackendError, match="'frozen'.*CPU"):
        resolve_graph("frozen", torch.device("cuda"))
    with pytest.raises(BackendError, match="provider= applies to the onnxruntime backend"):
        create_backend("torch", fixture_model, CPU, BackendOptions(provider="cpu"))
    with pytest.raises(BackendError, match="graph= applies to the torch backend"):
        create_backend("onnxruntime", fixture_model, CPU, BackendOptions(graph="frozen"))
    assert resolve_graph("auto", CPU) == "frozen" and resolve_graph("auto", torch.device("cuda")) == "eager"


def test_the_backend_sets_its_own_threads(fixture_model: SMAT) -> None:
    before = torch.get_num_threads()
    try:
        backend = TorchBackend(fixture_model, CPU, BackendOptions(graph="eager", threads=1))
        assert torch.get_num_threads() == 1 and backend.options.threads == 1
        assert backend.describe() == "torch fp32 (eager, 1 threads) on cpu"
    finally:
        torch.set_num_threads(before)


@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no native bfloat16 (AVX512-BF16/AMX)")
def test_bf16_runs_in_bfloat16(fixture_model: SMAT, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = TorchBackend(fixture_model, CPU, BackendOptions(precision="bf16"))
    maps = backend.track(backend.template_features(crops[0]), crops[1])
    assert backend.dtype == torch.bfloat16 and maps.score_map.dtype == torch.float32
    assert backend.memory_format == torch.channels_last  # oneDNN's fast bf16 layout
    fp32 = TorchBackend(fixture_model, CPU, BackendOptions(precision="fp32"))
    assert fp32.memory_format == torch.contiguous_format


def test_wrong_feature_type_is_rejected(fixture_model: SMAT, crops: tuple[np.ndarray, np.ndarray]) -> None:
    backend = TorchBackend(fixture_model, CPU, BackendOptions(graph="eager"))
    with pytest.raises(BackendError, match="template features of type ndarray"):
        backend.track(np.zeros((1, 128, 4, 64), np.float32), crops[1])


def test_fp16_runs_a_folded_copy_whose_numbers_fit_float16(demo_model: SMAT) -> None:
    """The demo weights' BatchNorm variances overflow float16; the fp16 model folds them and tracks like fp32."""
    demo = demo_model
    assert max(float(buffer.max()) for name, buffer in demo.named_buffers() if name.endswith("running_var")) > FP16_MAX
    half = inference_model(demo, "eager", CPU, torch.float16)
    assert count_batchnorms(half) < count_batchnorms(demo)
    assert all(torch.isfinite(tensor).all() for tensor in [*half.parameters(), *half.buffers()])
    assert next(demo.parameters()).dtype == torch.float32  # the caller's model is left as it was
    generator = torch.Generator().manual_seed(0)
    template, search = torch.rand(1, 3, 128, 128, generator=generator), torch.rand(1, 3, 256, 256, generator=generator)
    with torch.inference_mode():
        expected, got = demo(template, search), half(template.half(), search.half())  # fp16 arithmetic on the CPU
    for key in ("score_map", "size_map", "offset_map"):
        assert torch.allclose(expected[key], got[key].float(), atol=1e-2), key


def test_fp32_eager_runs_the_given_model(fixture_model: SMAT) -> None:
    assert inference_model(fixture_model, "eager", CPU, torch.float32) is fixture_model
