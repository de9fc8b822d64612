"""What every layout reader gives: sequence names, frame files, boxes and visibility flags, checked against each
other; :class:`Sequence` holds one loaded video."""
from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence as Seq
from pathlib import Path

import numpy as np

from smat_ros.errors import DatasetError
from smat_ros.textfile import read_rows, read_values
from smat_ros.video import IMAGE_SUFFIXES, list_images


@dataclasses.dataclass(frozen=True, eq=False)
class Sequence:
    """One video of a benchmark: frame files, ground truth and the dataset's own visibility flags."""

    name: str
    frames: tuple[str, ...]
    groundtruth: np.ndarray
    annotation: str
    visible: np.ndarray | None = None
    resolution: tuple[float, float] | None = None

    @property
    def init_box(self) -> tuple[float, float, float, float]:
        """Box of the first frame (x, y, w, h)."""
        x, y, w, h = (float(v) for v in self.groundtruth[0])
        return x, y, w, h

    @property
    def fully_annotated(self) -> bool:
        """True when every frame has a ground-truth row (False for server-scored test splits)."""
        return len(self.groundtruth) == len(self.frames)

    def __len__(self) -> int:
        """Number of frames."""
        return len(self.frames)


class Layout(abc.ABC):
    """A dataset on disk in one official layout: its sequence names, and each sequence read on demand.

    ``names`` (e.g. from a split file) replaces the layout's own sequence list. ``allow_nan`` accepts ``nan`` rows
    in the box files (target absent); layouts whose official files hold none refuse them unless asked.
    """

    family: str = ""
    default_allow_nan: bool = False
    first_box_only_allowed: bool = False

    def __init__(self, name: str, root: str | Path, names: Seq[str] | None = None,
                 allow_nan: bool | None = None) -> None:
        self.name = name
        self.root = Path(root)
        self.allow_nan = self.default_allow_nan if allow_nan is None else allow_nan
        if not self.root.is_dir():
            raise DatasetError(f"{self.root}: dataset root for '{name}' not found (not a folder)")
        self._frame_lists: dict[str, tuple[Path, ...]] = {}
        self.sequence_names: list[str] = list(names) if names is not None else self._list()
        if not self.sequence_names:
            raise DatasetError(f"{self.root}: no sequences of '{name}' found; is the root the {name} folder?")

    def __len__(self) -> int:
        """Number of sequences."""
        return len(self.sequence_names)

    @abc.abstractmethod
    def _list(self) -> list[str]:
        """Sequence names in the benchmark's order."""

    @abc.abstractmethod
    def frames(self, name: str) -> list[Path]:
        """Frame files of sequence ``name`` in order."""

    @abc.abstractmethod
    def boxes(self, name: str) -> np.ndarray:
        """Ground-truth boxes (N, 4) ``x, y, w, h`` float64 of sequence ``name`` (N may be 1 on test splits)."""

    def annotation(self, name: str) -> Path:
        """The ground-truth file of sequence ``name`` (named in errors and results)."""
        raise NotImplementedError

    def visible(self, name: str, length: int) -> np.ndarray | None:
        """The benchmark's own per-frame visibility flags (N,) bool, or None when it has none."""
        return None

    def resolution(self, name: str) -> tuple[float, float] | None:
        """Image size (w, h) from the sequence's metadata, or None when the layout has none."""
        return None

    def frame_path(self, name: str, index: int) -> Path:
        """File of frame ``index`` (0-based) of sequence ``name``."""
        if name not in self._frame_lists:
            self._frame_lists[name] = tuple(self.frames(name))
        return self._frame_lists[name][index]

    def load(self, name: str) -> Sequence:
        """Frames, boxes, visibility and resolution of one sequence, checked against each other."""
        frames = self.frames(name)
        boxes = self.boxes(name)
        annotation = self.annotation(name)
        check_lengths(annotation, boxes, frames, allow_first_only=self.first_box_only_allowed)
        visible = self.visible(name, len(frames)) if len(boxes) == len(frames) else None
        return Sequence(name, tuple(map(str, frames)), boxes, str(annotation), visible, self.resolution(name))

    def sequences(self, names: Seq[str] | None = None) -> list[Sequence]:
        """Load the named sequences (all when ``names`` is None); unknown names are errors."""
        if names is None:
            return [self.load(name) for name in self.sequence_names]
        names = list(dict.fromkeys(names))
        known = set(self.sequence_names)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise DatasetError(f"{self.root}: sequences {unknown} are not part of '{self.name}'")
        return [self.load(name) for name in names]


def list_frames(folder: Path) -> list[Path]:
    """Image files of a folder in frame order; DatasetError if the folder is missing or holds none."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: frame folder not found")
    frames = list_images(folder)
    if not frames:
        raise DatasetError(f"{folder}: no frames ({', '.join(sorted(IMAGE_SUFFIXES))}) found")
    return frames


def read_groundtruth(path: Path, allow_nan: bool = False) -> np.ndarray:
    """Ground-truth boxes (N, 4) of one sequence; DatasetError naming the file when missing or malformed."""
    if not path.is_file():
        raise DatasetError(f"{path}: ground truth not found")
    return read_rows(path, 4, allow_nan=allow_nan)


def check_lengths(gt_path: Path, boxes: np.ndarray, frames: Seq[Path], allow_first_only: bool) -> None:
    """Raise DatasetError unless there is one box per frame (or just the first box when allowed)."""
    if len(boxes) == len(frames) or (allow_first_only and len(boxes) == 1):
        return
    raise DatasetError(f"{gt_path}: {len(boxes)} boxes for {len(frames)} frames")


def read_flags(path: Path, length: int) -> np.ndarray:
    """A per-frame label file (one value per line or comma separated) as float64 (N,), checked against ``length``."""
    values = read_values(path)
    if len(values) != length:
        raise DatasetError(f"{path}: {len(values)} labels for {length} frames")
    return values
