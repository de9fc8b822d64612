"""The plain folder format for your own footage: ``root/{seq}/groundtruth.txt`` (one ``x,y,w,h`` line per frame;
commas, spaces or tabs; ``nan`` rows where the target is absent) with the frames (image files, numeric order) in
``root/{seq}/img/`` or ``root/{seq}/``; ``root`` itself may be a single sequence; ``root/list.txt`` (one name per
line) selects and orders sequences when present. A one-line ``groundtruth.txt`` gives the initial box only (run,
no analysis). Visibility: an optional ``absence.label`` (1 = target absent, one value per frame).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames, read_flags, read_groundtruth
from smat_ros.errors import DatasetError
from smat_ros.textfile import read_names


class FolderLayout(Layout):
    """Plain format: one folder per sequence with frames and groundtruth.txt."""

    family = "folder"
    default_allow_nan = True
    first_box_only_allowed = True

    def folder(self, name: str) -> Path:
        """Folder of a sequence (the root itself for a single-sequence root)."""
        return self.root if (self.root / "groundtruth.txt").is_file() else self.root / name

    def _list(self) -> list[str]:
        """list.txt, else the root itself as one sequence, else every subfolder with a groundtruth.txt."""
        if (self.root / "list.txt").is_file():
            return read_names(self.root / "list.txt")
        if (self.root / "groundtruth.txt").is_file():
            return [self.root.name]
        names = sorted(p.parent.name for p in self.root.glob("*/groundtruth.txt"))
        if not names:
            raise DatasetError(f"{self.root}: no groundtruth.txt in it or in its subfolders")
        return names

    def annotation(self, name: str) -> Path:
        """``groundtruth.txt``."""
        return self.folder(name) / "groundtruth.txt"

    def frames(self, name: str) -> list[Path]:
        """Image files of ``img/`` when it exists, else of the sequence folder."""
        folder = self.folder(name)
        return list_frames(folder / "img" if (folder / "img").is_dir() else folder)

    def boxes(self, name: str) -> np.ndarray:
        """groundtruth.txt."""
        return read_groundtruth(self.annotation(name), self.allow_nan)

    def visible(self, name: str, length: int) -> np.ndarray | None:
        """absence == 0 when ``absence.label`` exists, else None."""
        absence = self.folder(name) / "absence.label"
        return read_flags(absence, length) == 0 if absence.is_file() else None
