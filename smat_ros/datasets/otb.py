"""OTB-2015 (OTB100): ``root/{Seq}/img/0001.jpg ...`` with ``groundtruth_rect.txt``, or ``groundtruth_rect.{k}.txt``
per target (sequence ``{Seq}_{k}``; empty files are skipped, as for Human4).

First frames as in the OTB toolkit's sequence table: David 300, BlurCar1 247, BlurCar3 3, BlurCar4 18; Tiger1 omits
its first 5 frames and boxes; frames past the last annotation are not part of the sequence (Football1, Freeman3,
Freeman4, Diving). No visibility flags.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames, read_groundtruth

OTB_FIRST_FRAME = {"David": 300, "BlurCar1": 247, "BlurCar3": 3, "BlurCar4": 18}
OTB_INIT_OMIT = {"Tiger1": 5}


class OtbLayout(Layout):
    """OTB-2015 (OTB100) in the official layout."""

    family = "otb"

    def _annotations(self) -> dict[str, Path]:
        """Sequence name -> ground-truth file, one per target, skipping empty files."""
        found: dict[str, Path] = {}
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for gt in sorted(folder.glob("groundtruth_rect*.txt")):
                if not gt.read_text().strip():
                    continue
                index = gt.name[len("groundtruth_rect"):-len(".txt")].lstrip(".")
                found[f"{folder.name}_{index}" if index else folder.name] = gt
        return found

    def _list(self) -> list[str]:
        """Every annotated target."""
        return list(self._gt)

    @property
    def _gt(self) -> dict[str, Path]:
        """Annotation files, found once."""
        if not hasattr(self, "_gt_files"):
            self._gt_files = self._annotations()
        return self._gt_files

    def annotation(self, name: str) -> Path:
        """The target's groundtruth_rect file."""
        return self._gt[name]

    def _all_boxes(self, name: str) -> np.ndarray:
        """Every row of the annotation file."""
        return read_groundtruth(self.annotation(name), self.allow_nan)

    def frames(self, name: str) -> list[Path]:
        """``img/`` files from the toolkit's first frame, one per annotation row, less the omitted ones."""
        gt_path = self.annotation(name)
        video = gt_path.parent.name
        frames = list_frames(gt_path.parent / "img")
        first = OTB_FIRST_FRAME.get(video, 1)
        frames = [f for f in frames if not f.stem.isdigit() or int(f.stem) >= first][: len(self._all_boxes(name))]
        return frames[OTB_INIT_OMIT.get(video, 0):]

    def boxes(self, name: str) -> np.ndarray:
        """Annotation rows less the omitted ones."""
        return self._all_boxes(name)[OTB_INIT_OMIT.get(self.annotation(name).parent.name, 0):]
