"""UAV123: ``root/anno/UAV123/{seq}.txt`` and ``root/data_seq/UAV123/{folder}/000001.jpg ...``.

The split sequences (``bird1_2`` ...) start at the frames of :mod:`smat_ros.datasets.uav123_meta` and run for as
many frames as their annotation has rows. Absent targets are ``NaN`` rows (no other visibility flags).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames, read_groundtruth
from smat_ros.datasets.uav123_meta import UAV123_SUBSEQUENCES
from smat_ros.errors import DatasetError


class Uav123Layout(Layout):
    """UAV123 in the official layout (anno/UAV123, data_seq/UAV123)."""

    family = "uav"
    default_allow_nan = True

    def _list(self) -> list[str]:
        """Annotation file names."""
        anno = self.root / "anno" / "UAV123"
        if not anno.is_dir():
            raise DatasetError(f"{anno}: not found; is the root the UAV123 folder holding anno/ and data_seq/?")
        return [p.stem for p in sorted(anno.glob("*.txt"))]

    def annotation(self, name: str) -> Path:
        """``anno/UAV123/{seq}.txt``."""
        return self.root / "anno" / "UAV123" / f"{name}.txt"

    def frames(self, name: str) -> list[Path]:
        """The sequence's frames of its video folder, from its first frame, one per annotation row."""
        folder_name, first = UAV123_SUBSEQUENCES.get(name, (name, 1))
        frames = list_frames(self.root / "data_seq" / "UAV123" / folder_name)
        return [f for f in frames if f.stem.isdigit() and int(f.stem) >= first][: len(self.boxes(name))]

    def boxes(self, name: str) -> np.ndarray:
        """The annotation rows (NaN where the target is absent)."""
        return read_groundtruth(self.annotation(name), self.allow_nan)
