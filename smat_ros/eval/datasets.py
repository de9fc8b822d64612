"""Readers for the official on-disk layouts of tracking benchmarks, and a plain folder format.

``root`` is the folder given as ``--root``. Boxes are ``x, y, w, h`` in pixels, one row per frame.

- ``got10k_train`` / ``got10k_val`` / ``got10k_test``: ``root/{split}/list.txt`` and ``root/{split}/{seq}/`` holding
  ``00000001.jpg ...``, ``groundtruth.txt`` (only the first frame's box in ``test``), ``absence.label``,
  ``cover.label`` (visible ratio 0..8) and ``meta_info.ini`` (``resolution: (w, h)``). ``root`` may also be the
  split folder itself. Visibility: ``cover.label > 0`` (what the got10k toolkit uses), else ``absence.label == 0``.
- ``lasot``: ``root/{class}/{class}-{n}/`` (or flat ``root/{class}-{n}/``) with ``img/00000001.jpg ...``,
  ``groundtruth.txt``, ``full_occlusion.txt`` and ``out_of_view.txt`` (one comma-separated line each). The
  sequences named in ``root/testing_set.txt`` when it exists (the 280-video protocol II list shipped with LaSOT),
  else every sequence found. Visible: not fully occluded and not out of view.
- ``trackingnet`` (``TEST``) / ``trackingnet_train`` (the ``TRAIN_0`` .. ``TRAIN_11`` chunks present):
  ``root/{chunk}/anno/{seq}.txt`` and ``root/{chunk}/frames/{seq}/0.jpg, 1.jpg ...``; TEST holds the first box only.
- ``otb100``: ``root/{Seq}/img/0001.jpg ...`` with ``groundtruth_rect.txt``, or ``groundtruth_rect.{k}.txt`` per
  target (sequence ``{Seq}_{k}``; empty files are skipped, as for Human4). First frames as in the OTB toolkit's
  sequence table: David 300, BlurCar1 247, BlurCar3 3, BlurCar4 18; Tiger1 omits its first 5 frames and boxes;
  frames past the last annotation are not part of the sequence (Football1, Freeman3, Freeman4, Diving).
- ``uav123``: ``root/anno/UAV123/{seq}.txt`` and ``root/data_seq/UAV123/{folder}/000001.jpg ...``; the split
  sequences (``bird1_2`` ...) start at the frames of :mod:`smat_ros.eval.uav123_meta`. Absent frames are
  ``NaN`` rows.
- ``nfs``: the official download, 30 fps version: ``root/{seq}/30/{seq}/00001.jpg ...`` and
  ``root/{seq}/30/{seq}.txt`` (rows ``id xmin ymin xmax ymax frame lost occluded generated label``, annotated at
  240 fps: every 8th row is kept when the file has about 8 rows per frame, and a one-frame length difference is
  trimmed, as the got10k toolkit does).
- ``folder``: ``root/{seq}/groundtruth.txt`` with frames (image files, numeric order) in ``root/{seq}/img/`` or
  ``root/{seq}/``; ``root`` itself may be a single sequence; ``root/list.txt`` (one name per line) selects and
  orders sequences when present. A one-line ``groundtruth.txt`` gives the initial box only (run, no analysis).
"""
from __future__ import annotations

import abc
import dataclasses
import functools
import re
from pathlib import Path
from typing import Callable, Sequence as Seq

import numpy as np

from smat_ros.eval.errors import EvalError
from smat_ros.textfile import read_names, read_rows, read_values
from smat_ros.eval.uav123_meta import UAV123_SUBSEQUENCES
from smat_ros.video import IMAGE_SUFFIXES, list_images

OTB_FIRST_FRAME = {"David": 300, "BlurCar1": 247, "BlurCar3": 3, "BlurCar4": 18}
OTB_INIT_OMIT = {"Tiger1": 5}
NFS_RATE_RATIO = 8


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


class Dataset(abc.ABC):
    """A benchmark on disk: its sequence names, and each sequence loaded on demand."""

    family: str = ""

    def __init__(self, name: str, root: str | Path) -> None:
        self.name = name
        self.root = Path(root)
        if not self.root.is_dir():
            raise EvalError(f"{self.root}: dataset root for '{name}' not found (not a folder)")
        self.sequence_names: list[str] = self._list()
        if not self.sequence_names:
            raise EvalError(f"{self.root}: no sequences of '{name}' found; is --root the {name} folder?")

    @abc.abstractmethod
    def _list(self) -> list[str]:
        """Sequence names in the benchmark's order."""

    @abc.abstractmethod
    def load(self, name: str) -> Sequence:
        """Load one sequence (frame list, boxes, labels)."""

    def sequences(self, names: Seq[str] | None = None) -> list[Sequence]:
        """Load the named sequences (all when ``names`` is None); unknown names are errors."""
        if names is None:
            return [self.load(name) for name in self.sequence_names]
        names = list(dict.fromkeys(names))
        known = set(self.sequence_names)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise EvalError(f"{self.root}: sequences {unknown} are not part of '{self.name}'")
        return [self.load(name) for name in names]


def list_frames(folder: Path) -> list[Path]:
    """Image files of a folder in frame order; EvalError if the folder is missing or holds none."""
    if not folder.is_dir():
        raise EvalError(f"{folder}: frame folder not found")
    frames = list_images(folder)
    if not frames:
        raise EvalError(f"{folder}: no frames ({', '.join(sorted(IMAGE_SUFFIXES))}) found")
    return frames


def read_groundtruth(path: Path, allow_nan: bool = False) -> np.ndarray:
    """Ground-truth boxes (N, 4) of one sequence; EvalError naming the file when missing or malformed."""
    if not path.is_file():
        raise EvalError(f"{path}: ground truth not found")
    return read_rows(path, 4, allow_nan=allow_nan)


def _check_lengths(gt_path: Path, boxes: np.ndarray, frames: Seq[Path], allow_first_only: bool) -> None:
    """Raise EvalError unless there is one box per frame (or just the first box when allowed)."""
    if len(boxes) == len(frames) or (allow_first_only and len(boxes) == 1):
        return
    raise EvalError(f"{gt_path}: {len(boxes)} boxes for {len(frames)} frames")


def _read_flags(path: Path, length: int) -> np.ndarray:
    """A per-frame label file as float64 (N,), checked against the sequence length."""
    values = read_values(path)
    if len(values) != length:
        raise EvalError(f"{path}: {len(values)} labels for {length} frames")
    return values


class Got10kDataset(Dataset):
    """GOT-10k train/val/test in the official layout."""

    family = "got10k"

    def __init__(self, name: str, root: str | Path, split: str) -> None:
        self.split = split
        root = Path(root)
        self.base = root / split if (root / split / "list.txt").is_file() else root
        super().__init__(name, root)

    def _list(self) -> list[str]:
        """Names from list.txt."""
        list_file = self.base / "list.txt"
        if not list_file.is_file():
            raise EvalError(f"{self.root / self.split / 'list.txt'}: not found; is --root the GOT-10k folder "
                            f"holding {self.split}/?")
        return read_names(list_file)

    def load(self, name: str) -> Sequence:
        """Frames, boxes, visibility (cover/absence labels) and resolution of one sequence."""
        folder = self.base / name
        frames = list_frames(folder)
        gt_path = folder / "groundtruth.txt"
        boxes = read_groundtruth(gt_path)
        _check_lengths(gt_path, boxes, frames, allow_first_only=True)
        visible = None
        if len(boxes) == len(frames):
            if (folder / "cover.label").is_file():
                visible = _read_flags(folder / "cover.label", len(frames)) > 0
            elif (folder / "absence.label").is_file():
                visible = _read_flags(folder / "absence.label", len(frames)) == 0
        return Sequence(name, tuple(map(str, frames)), boxes, str(gt_path), visible, _read_resolution(folder))


def _read_resolution(folder: Path) -> tuple[float, float] | None:
    """``resolution: (w, h)`` from a GOT-10k meta_info.ini, None when absent."""
    meta = folder / "meta_info.ini"
    if not meta.is_file():
        return None
    match = re.search(r"^resolution:\s*\(\s*([\d.]+)\s*,\s*([\d.]+)\s*\)", meta.read_text(), re.MULTILINE)
    if match is None:
        raise EvalError(f"{meta}: no 'resolution: (w, h)' line")
    return float(match.group(1)), float(match.group(2))


class LasotDataset(Dataset):
    """LaSOT in the official per-class layout (or flat), with occlusion and out-of-view labels."""

    family = "lasot"

    def _folder(self, name: str) -> Path:
        """Folder of a sequence: class subfolder first, flat layout second."""
        nested = self.root / name.rsplit("-", 1)[0] / name
        return nested if nested.is_dir() else self.root / name

    def _list(self) -> list[str]:
        """testing_set.txt when present, else every folder with a groundtruth.txt."""
        listed = self.root / "testing_set.txt"
        if listed.is_file():
            return read_names(listed)
        found = {p.parent.name for p in self.root.glob("*/groundtruth.txt")}
        found |= {p.parent.name for p in self.root.glob("*/*/groundtruth.txt")}
        return sorted(found)

    def load(self, name: str) -> Sequence:
        """Frames, boxes and visibility of one sequence."""
        folder = self._folder(name)
        gt_path = folder / "groundtruth.txt"
        boxes = read_groundtruth(gt_path)
        frames = list_frames(folder / "img")
        _check_lengths(gt_path, boxes, frames, allow_first_only=False)
        occluded = _read_flags(folder / "full_occlusion.txt", len(frames))
        out_of_view = _read_flags(folder / "out_of_view.txt", len(frames))
        visible = (occluded == 0) & (out_of_view == 0)
        return Sequence(name, tuple(map(str, frames)), boxes, str(gt_path), visible)


class TrackingNetDataset(Dataset):
    """TrackingNet TEST or TRAIN chunks in the official layout."""

    family = "trackingnet"

    def __init__(self, name: str, root: str | Path, chunks: Seq[str]) -> None:
        self.chunks = tuple(chunks)
        self._chunk_of: dict[str, str] = {}
        super().__init__(name, root)

    def _list(self) -> list[str]:
        """Annotation file names of every chunk present."""
        present = [c for c in self.chunks if (self.root / c / "anno").is_dir()]
        if not present:
            raise EvalError(f"{self.root}: none of {list(self.chunks)} with an anno/ folder found; "
                            "is --root the TrackingNet folder?")
        for chunk in present:
            for anno in sorted((self.root / chunk / "anno").glob("*.txt")):
                self._chunk_of[anno.stem] = chunk
        return list(self._chunk_of)

    def load(self, name: str) -> Sequence:
        """Frames and boxes of one sequence."""
        chunk = self.root / self._chunk_of[name]
        gt_path = chunk / "anno" / f"{name}.txt"
        boxes = read_groundtruth(gt_path)
        frames = list_frames(chunk / "frames" / name)
        _check_lengths(gt_path, boxes, frames, allow_first_only=True)
        return Sequence(name, tuple(map(str, frames)), boxes, str(gt_path))


class OtbDataset(Dataset):
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
        self._gt = self._annotations()
        return list(self._gt)

    def load(self, name: str) -> Sequence:
        """Frames and boxes of one target, with the toolkit's first frame and omitted frames."""
        gt_path = self._gt[name]
        video = gt_path.parent.name
        boxes = read_groundtruth(gt_path)
        frames = list_frames(gt_path.parent / "img")
        first = OTB_FIRST_FRAME.get(video, 1)
        frames = [f for f in frames if not f.stem.isdigit() or int(f.stem) >= first][: len(boxes)]
        _check_lengths(gt_path, boxes, frames, allow_first_only=False)
        omit = OTB_INIT_OMIT.get(video, 0)
        return Sequence(name, tuple(map(str, frames[omit:])), boxes[omit:], str(gt_path))


class Uav123Dataset(Dataset):
    """UAV123 in the official layout (anno/UAV123, data_seq/UAV123)."""

    family = "uav"

    def _list(self) -> list[str]:
        """Annotation file names."""
        anno = self.root / "anno" / "UAV123"
        if not anno.is_dir():
            raise EvalError(f"{anno}: not found; is --root the UAV123 folder holding anno/ and data_seq/?")
        return [p.stem for p in sorted(anno.glob("*.txt"))]

    def load(self, name: str) -> Sequence:
        """Frames and boxes (NaN rows where the target is absent) of one sequence."""
        gt_path = self.root / "anno" / "UAV123" / f"{name}.txt"
        boxes = read_groundtruth(gt_path, allow_nan=True)
        folder_name, first = UAV123_SUBSEQUENCES.get(name, (name, 1))
        frames = list_frames(self.root / "data_seq" / "UAV123" / folder_name)
        frames = [f for f in frames if f.stem.isdigit() and int(f.stem) >= first][: len(boxes)]
        _check_lengths(gt_path, boxes, frames, allow_first_only=False)
        return Sequence(name, tuple(map(str, frames)), boxes, str(gt_path))


class NfsDataset(Dataset):
    """Need for Speed, 30 fps version, in the official download layout."""

    family = "nfs"

    def _list(self) -> list[str]:
        """Sequences holding a 30/{seq}.txt annotation."""
        return sorted(p.stem for p in self.root.glob("*/30/*.txt") if p.stem == p.parent.parent.name)

    def load(self, name: str) -> Sequence:
        """Frames and boxes of one sequence, annotation rows subsampled to the 30 fps frames."""
        gt_path = self.root / name / "30" / f"{name}.txt"
        boxes = _read_nfs_annotation(gt_path)
        frames = list_frames(self.root / name / "30" / name)
        if len(boxes) != len(frames) and abs(len(boxes) / len(frames) - NFS_RATE_RATIO) < 1:
            boxes = boxes[::NFS_RATE_RATIO]
        if 0 < abs(len(boxes) - len(frames)) <= 1:
            length = min(len(boxes), len(frames))
            boxes, frames = boxes[:length], frames[:length]
        _check_lengths(gt_path, boxes, frames, allow_first_only=False)
        return Sequence(name, tuple(map(str, frames)), boxes, str(gt_path))


def _read_nfs_annotation(path: Path) -> np.ndarray:
    """NfS rows ``id xmin ymin xmax ymax ...`` as (N, 4) x, y, w, h boxes."""
    if not path.is_file():
        raise EvalError(f"{path}: ground truth not found")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            rows.append([float(v) for v in fields[1:5]])
        except ValueError:
            raise EvalError(f"{path}: line {number} is not an NfS annotation row: {line.strip()!r}") from None
        if len(rows[-1]) != 4:
            raise EvalError(f"{path}: line {number} has fewer than 5 fields: {line.strip()!r}")
    if not rows:
        raise EvalError(f"{path}: file is empty")
    corners = np.asarray(rows, dtype=np.float64)  # (N, 4) xmin, ymin, xmax, ymax
    return np.concatenate([corners[:, :2], corners[:, 2:] - corners[:, :2]], axis=1)


class FolderDataset(Dataset):
    """Plain format: one folder per sequence with frames and groundtruth.txt."""

    family = "folder"

    def _folder(self, name: str) -> Path:
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
            raise EvalError(f"{self.root}: no groundtruth.txt in it or in its subfolders")
        return names

    def load(self, name: str) -> Sequence:
        """Frames and boxes of one sequence."""
        folder = self._folder(name)
        gt_path = folder / "groundtruth.txt"
        boxes = read_groundtruth(gt_path, allow_nan=True)
        frames = list_frames(folder / "img" if (folder / "img").is_dir() else folder)
        _check_lengths(gt_path, boxes, frames, allow_first_only=True)
        return Sequence(name, tuple(map(str, frames)), boxes, str(gt_path))


DATASETS: dict[str, Callable[[str, str | Path], Dataset]] = {
    "got10k_train": functools.partial(Got10kDataset, split="train"),
    "got10k_val": functools.partial(Got10kDataset, split="val"),
    "got10k_test": functools.partial(Got10kDataset, split="test"),
    "lasot": LasotDataset,
    "trackingnet": functools.partial(TrackingNetDataset, chunks=("TEST",)),
    "trackingnet_train": functools.partial(TrackingNetDataset, chunks=tuple(f"TRAIN_{i}" for i in range(12))),
    "otb100": OtbDataset,
    "uav123": Uav123Dataset,
    "nfs": NfsDataset,
    "folder": FolderDataset,
}


def load_dataset(name: str, root: str | Path) -> Dataset:
    """Open benchmark ``name`` at ``root``; unknown names and missing roots are EvalErrors."""
    if name not in DATASETS:
        raise EvalError(f"unknown dataset '{name}'; known datasets: {', '.join(DATASETS)}")
    return DATASETS[name](name, root)
