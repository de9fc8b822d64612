"""Need for Speed, 30 fps version, the official download: ``root/{seq}/30/{seq}/00001.jpg ...`` and
``root/{seq}/30/{seq}.txt`` (rows ``id xmin ymin xmax ymax frame lost occluded generated label``, annotated at
240 fps: every 8th row is kept when the file has about 8 rows per frame, and a one-frame length difference is
trimmed, as the got10k toolkit does). No visibility flags.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames
from smat_ros.errors import DatasetError

NFS_RATE_RATIO = 8


class NfsLayout(Layout):
    """Need for Speed, 30 fps version, in the official download layout."""

    family = "nfs"

    def _list(self) -> list[str]:
        """Sequences holding a 30/{seq}.txt annotation."""
        return sorted(p.stem for p in self.root.glob("*/30/*.txt") if p.stem == p.parent.parent.name)

    def annotation(self, name: str) -> Path:
        """``{seq}/30/{seq}.txt``."""
        return self.root / name / "30" / f"{name}.txt"

    def _aligned(self, name: str) -> tuple[list[Path], np.ndarray]:
        """Frames and boxes with the annotation subsampled to 30 fps and a one-frame difference trimmed."""
        boxes = read_nfs_annotation(self.annotation(name))
        frames = list_frames(self.root / name / "30" / name)
        if len(boxes) != len(frames) and abs(len(boxes) / len(frames) - NFS_RATE_RATIO) < 1:
            boxes = boxes[::NFS_RATE_RATIO]
        if 0 < abs(len(boxes) - len(frames)) <= 1:
            length = min(len(boxes), len(frames))
            boxes, frames = boxes[:length], frames[:length]
        return frames, boxes

    def frames(self, name: str) -> list[Path]:
        """The 30 fps frames (trimmed to the annotation)."""
        return self._aligned(name)[0]

    def boxes(self, name: str) -> np.ndarray:
        """One box per 30 fps frame."""
        return self._aligned(name)[1]


def read_nfs_annotation(path: Path) -> np.ndarray:
    """NfS rows ``id xmin ymin xmax ymax ...`` as (N, 4) x, y, w, h boxes."""
    if not path.is_file():
        raise DatasetError(f"{path}: ground truth not found")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            rows.append([float(v) for v in fields[1:5]])
        except ValueError:
            raise DatasetError(f"{path}: line {number} is not an NfS annotation row: {line.strip()!r}") from None
        if len(rows[-1]) != 4:
            raise DatasetError(f"{path}: line {number} has fewer than 5 fields: {line.strip()!r}")
    if not rows:
        raise DatasetError(f"{path}: file is empty")
    corners = np.asarray(rows, dtype=np.float64)  # (N, 4) xmin, ymin, xmax, ymax
    return np.concatenate([corners[:, :2], corners[:, 2:] - corners[:, :2]], axis=1)
