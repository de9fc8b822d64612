"""The bundled demo weights are found where installs and the source tree put them, and load into the tracker."""
from __future__ import annotations

from pathlib import Path

import pytest

from smat_ros import Tracker, weights
from smat_ros.backends import BackendOptions
from smat_ros.errors import CheckpointError
from smat_ros.weights import DEMO_WEIGHTS_NAME, demo_weights_candidates, find_demo_weights

ROOT = Path(__file__).resolve().parents[1]


def test_the_source_tree_copy_is_a_candidate_and_loads() -> None:
    assert ROOT / "weights" / DEMO_WEIGHTS_NAME in demo_weights_candidates()
    found = find_demo_weights()
    assert found is not None and found.name == DEMO_WEIGHTS_NAME
    Tracker.from_checkpoint(found, device="cpu", options=BackendOptions(graph="eager"))


def test_ament_prefixes_come_first(tmp_path: Path, monkeypatch) -> None:
    installed = tmp_path / "share" / "smat_ros" / "weights" / DEMO_WEIGHTS_NAME
    installed.parent.mkdir(parents=True)
    installed.write_bytes(b"x")
    monkeypatch.setenv("AMENT_PREFIX_PATH", f"{tmp_path / 'elsewhere'}:{tmp_path}")
    assert find_demo_weights() == installed


def test_none_when_nothing_is_installed(tmp_path: Path) -> None:
    assert find_demo_weights([tmp_path / "a" / DEMO_WEIGHTS_NAME, tmp_path / "b" / DEMO_WEIGHTS_NAME]) is None


def test_demo_weights_say_what_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one fallback of the node and smat-track: a warning naming the file, or a CheckpointError."""
    warnings: list[str] = []
    path = weights.demo_weights("no --checkpoint given", warnings.append)
    assert path == find_demo_weights()
    assert warnings == [f"no --checkpoint given: using the demo weights {path} (a small network trained offline, "
                        "not the paper's tracker; see weights/MODEL_CARD.md)"]
    monkeypatch.setattr(weights, "find_demo_weights", lambda: None)
    with pytest.raises(CheckpointError, match="^no --checkpoint given and the demo weights are not installed$"):
        weights.demo_weights("no --checkpoint given", warnings.append)
    assert len(warnings) == 1
