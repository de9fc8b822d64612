"""TrackingNet: ``root/{chunk}/anno/{seq}.txt`` and ``root/{chunk}/frames/{seq}/0.jpg, 1.jpg ...`` (0-based).

``TEST`` holds the first box of each sequence only (scored by the server); the ``TRAIN_0`` .. ``TRAIN_11`` chunks
are fully annotated. A split file may name sequences as ``{chunk}/{seq}``. No visibility flags: an absent
target has no valid box.
"""
from __future__ import annotations

from collections.abc import Sequence as Seq
from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames, read_groundtruth
from smat_ros.errors import DatasetError

TEST_CHUNKS = ("TEST",)
TRAIN_CHUNKS = tuple(f"TRAIN_{i}" for i in range(12))


class TrackingNetLayout(Layout):
    """TrackingNet TEST or TRAIN chunks in the official layout."""

    family = "trackingnet"
    first_box_only_allowed = True

    def __init__(self, name: str, root: str | Path, chunks: Seq[str] = TEST_CHUNKS, names: Seq[str] | None = None,
                 allow_nan: bool | None = None) -> None:
        self.chunks = tuple(chunks)
        self._chunk_of: dict[str, str] = {}
        if names is not None:
            names = [self._remember_chunk(entry) for entry in names]
        super().__init__(name, root, names, allow_nan)

    def _remember_chunk(self, entry: str) -> str:
        """``{chunk}/{seq}`` -> ``seq`` (its chunk remembered); a bare name is looked up among the chunks."""
        if "/" in entry:
            chunk, name = entry.split("/", 1)
            self._chunk_of[name] = chunk
            return name
        return entry

    def _list(self) -> list[str]:
        """Annotation file names of every chunk present, chunk by chunk."""
        present = [c for c in self.chunks if (self.root / c / "anno").is_dir()]
        if not present:
            raise DatasetError(f"{self.root}: none of {list(self.chunks)} with an anno/ folder found; "
                               "is the root the TrackingNet folder?")
        for chunk in present:
            for anno in sorted((self.root / chunk / "anno").glob("*.txt")):
                self._chunk_of[anno.stem] = chunk
        return list(self._chunk_of)

    def chunk(self, name: str) -> Path:
        """The chunk folder holding sequence ``name``."""
        if name not in self._chunk_of:
            found = [c for c in self.chunks if (self.root / c / "anno" / f"{name}.txt").is_file()]
            if not found:
                raise DatasetError(f"{self.root}: sequence {name!r} is in none of {list(self.chunks)}")
            self._chunk_of[name] = found[0]
        return self.root / self._chunk_of[name]

    def annotation(self, name: str) -> Path:
        """``{chunk}/anno/{seq}.txt``."""
        return self.chunk(name) / "anno" / f"{name}.txt"

    def frames(self, name: str) -> list[Path]:
        """``{chunk}/frames/{seq}/`` files."""
        return list_frames(self.chunk(name) / "frames" / name)

    def frame_path(self, name: str, index: int) -> Path:
        """``{chunk}/frames/{seq}/{index}.jpg`` (no listing)."""
        return self.chunk(name) / "frames" / name / f"{index}.jpg"

    def boxes(self, name: str) -> np.ndarray:
        """The anno file."""
        return read_groundtruth(self.annotation(name), self.allow_nan)
