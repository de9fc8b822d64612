"""LaSOT: ``root/{class}/{class}-{n}/`` (or flat ``root/{class}-{n}/``) with ``img/00000001.jpg ...``,
``groundtruth.txt``, ``full_occlusion.txt`` and ``out_of_view.txt`` (one comma-separated line each).

Sequences: those named in the list file when it exists in the root (``testing_set.txt``, the 280-video protocol II
list shipped with LaSOT, for evaluation; ``training_set.txt`` for training), else every sequence found.
Visibility (the benchmark's and the reference's rule): not fully occluded and not out of view (each label file
where it exists).
"""
from __future__ import annotations

from collections.abc import Sequence as Seq
from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames, read_flags, read_groundtruth
from smat_ros.textfile import read_names

TEST_LIST = "testing_set.txt"
TRAIN_LIST = "training_set.txt"


class LasotLayout(Layout):
    """LaSOT in the official per-class layout (or flat), with occlusion and out-of-view labels."""

    family = "lasot"

    def __init__(self, name: str, root: str | Path, names: Seq[str] | None = None, allow_nan: bool | None = None,
                 list_file: str = TEST_LIST) -> None:
        self.list_file = list_file
        super().__init__(name, root, names, allow_nan)

    def _folder(self, name: str) -> Path:
        """Folder of a sequence: class subfolder first, flat layout second."""
        nested = self.root / name.rsplit("-", 1)[0] / name
        return nested if nested.is_dir() else self.root / name

    def _list(self) -> list[str]:
        """The list file when present, else every folder with a groundtruth.txt."""
        listed = self.root / self.list_file
        if listed.is_file():
            return read_names(listed)
        found = {p.parent.name for p in self.root.glob("*/groundtruth.txt")}
        found |= {p.parent.name for p in self.root.glob("*/*/groundtruth.txt")}
        return sorted(found)

    def annotation(self, name: str) -> Path:
        """``groundtruth.txt``."""
        return self._folder(name) / "groundtruth.txt"

    def frames(self, name: str) -> list[Path]:
        """``img/`` files."""
        return list_frames(self._folder(name) / "img")

    def frame_path(self, name: str, index: int) -> Path:
        """``img/{index + 1:08d}.jpg`` (no listing)."""
        return self._folder(name) / "img" / f"{index + 1:08d}.jpg"

    def boxes(self, name: str) -> np.ndarray:
        """groundtruth.txt."""
        return read_groundtruth(self.annotation(name), self.allow_nan)

    def visible(self, name: str, length: int) -> np.ndarray | None:
        """Not fully occluded and not out of view, each where its label file exists; None when neither does."""
        folder = self._folder(name)
        visible = None
        for label in ("full_occlusion.txt", "out_of_view.txt"):
            if (folder / label).is_file():
                flags = read_flags(folder / label, length) == 0
                visible = flags if visible is None else visible & flags
        return visible
