"""GOT-10k: ``root/{split}/list.txt`` and ``root/{split}/{seq}/`` with ``00000001.jpg ...``, ``groundtruth.txt``
(only the first frame's box in ``test``), ``absence.label``, ``cover.label`` (visible ratio in eighths, 0..8) and
``meta_info.ini`` (``resolution: (w, h)``). ``root`` may also be the split folder itself.

Visibility: ``cover > 0`` (the got10k toolkit's rule for scoring) and ``absence == 0`` (which the reference's
training loader adds), each where its file exists; on the official annotations absence 1 <=> cover 0, so the two
rules agree. Without ``list.txt`` the sequences are the sub-folders holding a ``groundtruth.txt``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence as Seq
from pathlib import Path

import numpy as np

from smat_ros.datasets.base import Layout, list_frames, read_flags, read_groundtruth
from smat_ros.errors import DatasetError
from smat_ros.textfile import read_names


class Got10kLayout(Layout):
    """GOT-10k train/val/test in the official layout."""

    family = "got10k"
    first_box_only_allowed = True

    def __init__(self, name: str, root: str | Path, split: str | None = None, names: Seq[str] | None = None,
                 allow_nan: bool | None = None) -> None:
        self.split = split
        root = Path(root)
        self.base = root / split if split and (root / split / "list.txt").is_file() else root
        super().__init__(name, root, names, allow_nan)

    def _list(self) -> list[str]:
        """Names from list.txt, else the sub-folders holding a groundtruth.txt."""
        list_file = self.base / "list.txt"
        if list_file.is_file():
            return read_names(list_file)
        found = sorted(p.parent.name for p in self.base.glob("*/groundtruth.txt"))
        if not found:
            expected = self.root / self.split / "list.txt" if self.split else list_file
            holding = f" holding {self.split}/" if self.split else ""
            raise DatasetError(f"{expected}: not found (and no sequence folders); is the root the GOT-10k "
                               f"folder{holding}?")
        return found

    def annotation(self, name: str) -> Path:
        """``{seq}/groundtruth.txt``."""
        return self.base / name / "groundtruth.txt"

    def frames(self, name: str) -> list[Path]:
        """The image files of the sequence folder."""
        return list_frames(self.base / name)

    def frame_path(self, name: str, index: int) -> Path:
        """``{seq}/{index + 1:08d}.jpg`` (no listing)."""
        return self.base / name / f"{index + 1:08d}.jpg"

    def boxes(self, name: str) -> np.ndarray:
        """groundtruth.txt."""
        return read_groundtruth(self.annotation(name), self.allow_nan)

    def visible(self, name: str, length: int) -> np.ndarray | None:
        """cover > 0 and absence == 0, each where its label file exists; None when neither does."""
        folder = self.base / name
        visible = None
        for label, rule in (("cover.label", np.greater), ("absence.label", np.equal)):
            if (folder / label).is_file():
                flags = rule(read_flags(folder / label, length), 0)
                visible = flags if visible is None else visible & flags
        return visible

    def resolution(self, name: str) -> tuple[float, float] | None:
        """``resolution: (w, h)`` from meta_info.ini, None when absent."""
        meta = self.base / name / "meta_info.ini"
        if not meta.is_file():
            return None
        match = re.search(r"^resolution:\s*\(\s*([\d.]+)\s*,\s*([\d.]+)\s*\)", meta.read_text(), re.MULTILINE)
        if match is None:
            raise DatasetError(f"{meta}: no 'resolution: (w, h)' line")
        return float(match.group(1)), float(match.group(2))
