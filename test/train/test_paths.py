"""The one rule for relative paths in a training config."""
from __future__ import annotations

from pathlib import Path

import pytest

from smat_ros.train.paths import resolve_path


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    assert resolve_path(tmp_path / "root", tmp_path / "x.pth") == tmp_path / "x.pth"


def test_relative_paths_prefer_the_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under --data-root when it exists there, else from the working directory, else reported under the root."""
    root, cwd = tmp_path / "data", tmp_path / "cwd"
    (root / "got10k").mkdir(parents=True)
    (cwd / "got10k").mkdir(parents=True)
    (cwd / "weights.pth").write_bytes(b"")
    monkeypatch.chdir(cwd)
    assert resolve_path(root, "got10k") == root / "got10k"
    assert resolve_path(root, "weights.pth") == Path("weights.pth")
    assert resolve_path(root, "missing.pth") == root / "missing.pth"
