"""ONNX export: two checked static graphs whose onnxruntime outputs match torch and the reference within 1e-4."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from smat_ros.cli.export import main as export_main
from smat_ros.errors import ExportError
from smat_ros.export import OnnxGraphs, check_onnx, export_graphs, read_graphs, write_graphs
from smat_ros.model import SMAT

TOLERANCE = 1e-4
MAPS = ("score_map", "size_map", "offset_map")


@pytest.fixture(scope="module")
def graphs(fixture_model: SMAT) -> OnnxGraphs:
    """Both branches exported once for the module."""
    return export_graphs(fixture_model)


def shapes(model_bytes: bytes) -> dict[str, list[int | str]]:
    """Input and output names -> dimensions (ints when static)."""
    graph = onnx.load_from_string(model_bytes).graph
    return {
        value.name: [dim.dim_value if dim.HasField("dim_value") else dim.dim_param
                     for dim in value.type.tensor_type.shape.dim]
        for value in [*graph.input, *graph.output]
    }


def test_graphs_have_static_named_shapes(graphs: OnnxGraphs) -> None:
    assert shapes(graphs.template) == {"template": [1, 3, 128, 128], "template_features": [1, 128, 4, 64]}
    assert shapes(graphs.tracking) == {
        "template_features": [1, 128, 4, 64],
        "search": [1, 3, 256, 256],
        "score_map": [1, 1, 16, 16],
        "size_map": [1, 2, 16, 16],
        "offset_map": [1, 2, 16, 16],
    }


def test_onnxruntime_matches_torch_and_reference(graphs: OnnxGraphs, fixture_model: SMAT, reference_io: dict) -> None:
    template, search = reference_io["template_image"], reference_io["search_image"]
    session = {name: onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
               for name, data in vars(graphs).items()}
    (features,) = session["template"].run(None, {"template": template})
    outputs = session["tracking"].run(None, {"template_features": features, "search": search})
    ort_maps = dict(zip(MAPS, outputs, strict=True))
    with torch.inference_mode():
        torch_features = fixture_model.template_features(torch.from_numpy(template))
        torch_maps = fixture_model.track(torch_features, torch.from_numpy(search))
    assert float(np.abs(features - torch_features.numpy()).max()) <= TOLERANCE
    for key in MAPS:
        assert float(np.abs(ort_maps[key] - torch_maps[key].numpy()).max()) <= TOLERANCE, key
        assert float(np.abs(ort_maps[key] - reference_io[key]).max()) <= TOLERANCE, key


def test_checker_rejects_a_broken_graph(graphs: OnnxGraphs) -> None:
    broken = onnx.load_from_string(graphs.template)
    broken.graph.node[0].input[0] = "no_such_tensor"
    with pytest.raises(ExportError, match="template graph failed the ONNX checker"):
        check_onnx(broken.SerializeToString(), "template")


def test_write_and_read_round_trip(graphs: OnnxGraphs, tmp_path: Path) -> None:
    template_path, tracking_path = write_graphs(graphs, tmp_path / "out")
    assert (template_path.name, tracking_path.name) == ("template.onnx", "tracking.onnx")
    assert read_graphs(tmp_path / "out") == graphs
    tracking_path.unlink()
    with pytest.raises(ExportError, match="tracking.onnx"):
        read_graphs(tmp_path / "out")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="not a directory"):
        write_graphs(graphs, tmp_path / "file")


def test_cli_writes_both_graphs(checkpoint_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export_main(["onnx", "--checkpoint", str(checkpoint_path), "--output", str(tmp_path), "--no-verify"]) == 0
    for name in ("template.onnx", "tracking.onnx"):
        onnx.checker.check_model(onnx.load(str(tmp_path / name)))
    assert str(tmp_path / "tracking.onnx") in capsys.readouterr().out


def test_cli_bad_checkpoint_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pth.tar"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert export_main(["onnx", "--checkpoint", str(bad), "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("smat-export: error:") and "bad.pth.tar" in err[-1]
    assert not (tmp_path / "out").exists()
