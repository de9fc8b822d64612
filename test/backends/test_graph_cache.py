"""The on-disk ONNX graph cache: location, keys, reuse, and a cache that cannot be written."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

from smat_ros.backends import BackendOptions, graph_cache
from smat_ros.backends.graph_cache import cache_root, cached_graphs, export_facts, graph_key, weights_digest
from smat_ros.backends.onnxruntime_backend import OnnxRuntimeBackend
from smat_ros.export import OnnxGraphs
from smat_ros.model import SMAT

GRAPHS = OnnxGraphs(template=b"template bytes", tracking=b"tracking bytes")


def test_cache_root_follows_smat_cache_dir_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SMAT_ROS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SMAT_CACHE_DIR", raising=False)
    assert cache_root() == tmp_path / "xdg" / "smat_ros"
    monkeypatch.setenv("SMAT_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("SMAT_CACHE_DIR")
    assert cache_root() == Path.home() / ".cache" / "smat_ros"


def test_the_old_variable_still_works_with_a_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SMAT_CACHE_DIR", raising=False)
    monkeypatch.setenv("SMAT_ROS_CACHE", str(tmp_path))
    with pytest.warns(DeprecationWarning, match="SMAT_CACHE_DIR"):
        assert cache_root() == tmp_path


def test_the_key_changes_with_weights_facts_and_versions(fixture_model: SMAT, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = export_facts(fixture_model)
    assert graph_key(facts) == graph_key(export_facts(fixture_model))
    other = SMAT()
    other.load_state_dict(fixture_model.state_dict())
    with torch.no_grad():
        next(other.parameters()).view(-1)[0] += 1e-6
    assert weights_digest(other) != weights_digest(fixture_model)
    assert graph_key(export_facts(other)) != graph_key(facts)
    assert graph_key({**facts, "opset": 18}) != graph_key(facts)
    before = graph_key(facts)
    monkeypatch.setattr(graph_cache, "runtime_versions", lambda: {"torch": "9.9", "onnx": "1", "onnxruntime": "1"})
    assert graph_key(facts) != before


def test_built_once_then_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMAT_CACHE_DIR", str(tmp_path))
    builds: list[int] = []
    build = lambda: builds.append(1) or GRAPHS  # noqa: E731
    assert cached_graphs({"kind": "test"}, build) == GRAPHS
    assert cached_graphs({"kind": "test"}, build) == GRAPHS
    assert len(builds) == 1
    assert cached_graphs({"kind": "other"}, build) == GRAPHS and len(builds) == 2
    assert cached_graphs({"kind": "test"}, build, enabled=False) == GRAPHS and len(builds) == 3
    assert not list(tmp_path.rglob("*.tmp"))


def test_an_incomplete_entry_is_rebuilt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMAT_CACHE_DIR", str(tmp_path))
    cached_graphs({"kind": "test"}, lambda: GRAPHS)
    entry = next(tmp_path.glob("onnx/*"))
    (entry / "tracking.onnx").unlink()  # a start that died between the two writes
    builds: list[int] = []
    assert cached_graphs({"kind": "test"}, lambda: builds.append(1) or GRAPHS) == GRAPHS and builds == [1]


def test_an_unwritable_cache_is_logged_and_skipped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("SMAT_CACHE_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="smat_ros.backends.graph_cache"):
        assert cached_graphs({"kind": "test"}, lambda: GRAPHS) == GRAPHS
    assert "cannot write the ONNX graph cache" in caplog.text


def test_a_second_backend_takes_the_export_from_the_cache(
    fixture_model: SMAT, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SMAT_CACHE_DIR", str(tmp_path))
    options = BackendOptions(provider="cpu", threads=1)
    OnnxRuntimeBackend.from_model(fixture_model, options)
    assert len(list(tmp_path.glob("onnx/*/tracking.onnx"))) == 1

    def no_export(_: SMAT) -> OnnxGraphs:
        raise AssertionError("exported again although the graphs are cached")

    monkeypatch.setattr("smat_ros.backends.onnxruntime_backend.export_graphs", no_export)
    with caplog.at_level(logging.INFO, logger="smat_ros.backends.graph_cache"):
        OnnxRuntimeBackend.from_model(fixture_model, options)
    assert "from the cache" in caplog.text
