"""Training datasets in their official layouts: GOT-10k, LaSOT, TrackingNet, COCO and a plain frame folder.

Every dataset is a list of sequences; a sequence has per-frame boxes ``(x, y, w, h)`` in pixels and a per-frame
visibility flag. COCO is an image dataset: each annotated object is a one-frame sequence (``is_video`` False).
Annotations are read lazily, when a sequence is first sampled, as the reference does.
"""
from __future__ import annotations

import dataclasses
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from smat_ros import video
from smat_ros.errors import DataFileError, InputError
from smat_ros.textfile import read_names, read_rows, read_values
from smat_ros.train.config import DatasetConfig

log = logging.getLogger(__name__)

COCO_MIN_SIDE = 50.0


class DatasetError(DataFileError):
    """A training dataset is missing, empty or malformed."""


@dataclasses.dataclass(frozen=True)
class SequenceInfo:
    """Annotations of one sequence: boxes (N, 4) x,y,w,h in pixels and visibility (N,) bool."""

    boxes: np.ndarray
    visible: np.ndarray


class TrackingDataset(Protocol):
    """What the pair sampler needs from a dataset."""

    name: str
    is_video: bool

    def __len__(self) -> int:
        """Number of sequences."""

    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """Boxes and visibility of sequence ``seq_id``."""

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """Frame ``frame_id`` (0-based) of sequence ``seq_id`` as an HxWx3 uint8 RGB array."""


def read_image(path: Path) -> np.ndarray:
    """Read an image file as HxWx3 uint8 RGB; DatasetError naming the file when unreadable."""
    try:
        return video.read_image(path)
    except InputError as exc:
        raise DatasetError(str(exc)) from None


def read_boxes(path: Path) -> np.ndarray:
    """A ground-truth file of ``x,y,w,h`` rows as (N, 4) float32 (NaN rows allowed: not visible)."""
    return read_rows(path, 4, allow_nan=True).astype(np.float32)


def read_flags(path: Path) -> np.ndarray:
    """Integer flags, one per line or comma separated on one line, as an int64 array."""
    return read_values(path).astype(np.int64)


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    """Frames whose box is finite with positive width and height."""
    finite = np.isfinite(boxes).all(axis=1)
    return finite & (np.nan_to_num(boxes[:, 2]) > 0) & (np.nan_to_num(boxes[:, 3]) > 0)


def _fit_flags(flags: np.ndarray, length: int, path: Path) -> np.ndarray:
    """Check a flag file has one entry per frame."""
    if len(flags) != length:
        raise DatasetError(f"{path}: {len(flags)} flags for {length} frames")
    return flags


def _require_dir(root: Path, what: str) -> Path:
    """Return ``root`` if it is a folder, else raise a DatasetError naming ``what``."""
    if not root.is_dir():
        raise DatasetError(f"{what} folder not found: {root}")
    return root


class Got10kDataset:
    """GOT-10k ``train`` (or ``val``) folder: ``list.txt``, ``GOT-10k_Train_000001/{00000001.jpg, groundtruth.txt,
    absence.label, cover.label}``; visible = not absent, cover > 0 and a valid box."""

    is_video = True

    def __init__(self, root: Path, split_file: Path | None = None) -> None:
        """Index the sequences listed in ``split_file`` or ``list.txt`` (else every sub-folder)."""
        self.name = "got10k"
        self.root = _require_dir(root, "GOT-10k")
        self.sequences = _sequence_list(self.root, split_file)
        if not self.sequences:
            raise DatasetError(f"GOT-10k folder {root} has no sequences")

    def __len__(self) -> int:
        """Number of sequences."""
        return len(self.sequences)

    @lru_cache(maxsize=None)
    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """Boxes and visibility of sequence ``seq_id``."""
        folder = self.root / self.sequences[seq_id]
        boxes = read_boxes(folder / "groundtruth.txt")
        visible = valid_boxes(boxes)
        absence_file, cover_file = folder / "absence.label", folder / "cover.label"
        if absence_file.is_file():
            visible &= _fit_flags(read_flags(absence_file), len(boxes), absence_file) == 0
        if cover_file.is_file():
            visible &= _fit_flags(read_flags(cover_file), len(boxes), cover_file) > 0
        return SequenceInfo(boxes, visible)

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """Frame ``frame_id`` (0-based) of sequence ``seq_id``."""
        return read_image(self.root / self.sequences[seq_id] / f"{frame_id + 1:08d}.jpg")


class LasotDataset:
    """LaSOT: ``<class>/<class>-<n>/{img/00000001.jpg, groundtruth.txt, full_occlusion.txt, out_of_view.txt}``.

    The training split is ``split_file`` if given, else ``training_set.txt`` in the root when present, else
    every sequence found.
    """

    is_video = True

    def __init__(self, root: Path, split_file: Path | None = None) -> None:
        """Index the training sequences."""
        self.name = "lasot"
        self.root = _require_dir(root, "LaSOT")
        if split_file is None and (self.root / "training_set.txt").is_file():
            split_file = self.root / "training_set.txt"
        if split_file is not None:
            self.sequences = read_names(split_file)
        else:
            self.sequences = sorted(
                p.name for c in self.root.iterdir() if c.is_dir() for p in c.iterdir() if (p / "img").is_dir())
        if not self.sequences:
            raise DatasetError(f"LaSOT folder {root} has no sequences")

    def __len__(self) -> int:
        """Number of sequences."""
        return len(self.sequences)

    def _folder(self, seq_id: int) -> Path:
        """Folder of sequence ``seq_id`` (``<class>/<class>-<n>``)."""
        name = self.sequences[seq_id]
        return self.root / name.rsplit("-", 1)[0] / name

    @lru_cache(maxsize=None)
    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """Boxes and visibility (not fully occluded, not out of view, valid box)."""
        folder = self._folder(seq_id)
        boxes = read_boxes(folder / "groundtruth.txt")
        visible = valid_boxes(boxes)
        for flag_name in ("full_occlusion.txt", "out_of_view.txt"):
            flag_file = folder / flag_name
            if flag_file.is_file():
                visible &= _fit_flags(read_flags(flag_file), len(boxes), flag_file) == 0
        return SequenceInfo(boxes, visible)

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """Frame ``frame_id`` (0-based) of sequence ``seq_id``."""
        return read_image(self._folder(seq_id) / "img" / f"{frame_id + 1:08d}.jpg")


class TrackingNetDataset:
    """TrackingNet: ``TRAIN_<k>/anno/<video>.txt`` and ``TRAIN_<k>/frames/<video>/<i>.jpg`` (0-based), every
    ``TRAIN_*`` chunk found; visible = valid box."""

    is_video = True

    def __init__(self, root: Path, split_file: Path | None = None) -> None:
        """Index the videos of all chunks (or those named ``TRAIN_k/video`` in ``split_file``)."""
        self.name = "trackingnet"
        self.root = _require_dir(root, "TrackingNet")
        if split_file is not None:
            self.sequences = [tuple(name.split("/", 1)) for name in read_names(split_file)]
        else:
            self.sequences = sorted(
                (chunk.name, anno.stem)
                for chunk in self.root.glob("TRAIN_*") if (chunk / "anno").is_dir()
                for anno in (chunk / "anno").glob("*.txt"))
        if not self.sequences:
            raise DatasetError(f"TrackingNet folder {root} has no TRAIN_*/anno/*.txt")

    def __len__(self) -> int:
        """Number of sequences."""
        return len(self.sequences)

    @lru_cache(maxsize=None)
    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """Boxes and visibility (valid box)."""
        chunk, video = self.sequences[seq_id]
        boxes = read_boxes(self.root / chunk / "anno" / f"{video}.txt")
        return SequenceInfo(boxes, valid_boxes(boxes))

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """Frame ``frame_id`` (0-based) of sequence ``seq_id``."""
        chunk, video = self.sequences[seq_id]
        return read_image(self.root / chunk / "frames" / video / f"{frame_id}.jpg")


class CocoDataset:
    """COCO ``annotations/instances_<split>.json`` + ``images/<split>/`` (or ``<split>/``); every non-crowd
    object is a one-frame sequence, visible when both sides exceed 50 pixels as in the reference."""

    is_video = False

    def __init__(self, root: Path, split_file: Path | None = None, split: str = "train2017") -> None:
        """Load the instances file (``split_file`` overrides its path)."""
        self.name = "coco"
        self.root = _require_dir(root, "COCO")
        anno_path = split_file or self.root / "annotations" / f"instances_{split}.json"
        try:
            data = json.loads(Path(anno_path).read_text())
        except OSError:
            raise DatasetError(f"COCO annotations not found: {anno_path}") from None
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{anno_path}: invalid JSON: {exc}") from None
        images = {img["id"]: img["file_name"] for img in data.get("images", [])}
        image_dir = self.root / "images" / split
        self.image_dir = image_dir if image_dir.is_dir() else self.root / split
        self.objects = [(images[a["image_id"]], tuple(float(v) for v in a["bbox"]))
                        for a in data.get("annotations", []) if not a.get("iscrowd", 0) and a["image_id"] in images]
        if not self.objects:
            raise DatasetError(f"{anno_path}: no non-crowd annotations")

    def __len__(self) -> int:
        """Number of objects (one-frame sequences)."""
        return len(self.objects)

    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """The object's box; visible when both sides exceed 50 pixels."""
        boxes = np.asarray([self.objects[seq_id][1]], dtype=np.float32)
        visible = valid_boxes(boxes) & (boxes[:, 2] > COCO_MIN_SIDE) & (boxes[:, 3] > COCO_MIN_SIDE)
        return SequenceInfo(boxes, visible)

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """The object's image (``frame_id`` is ignored)."""
        return read_image(self.image_dir / self.objects[seq_id][0])


class FolderDataset:
    """A user's own footage: sequence folders with ``groundtruth.txt`` and frames (in the folder or ``img/``),
    or one such folder itself; frames are the image files in frame order (:func:`smat_ros.video.list_images`),
    one box line per frame. Optional
    ``absence.label`` (1 = target absent) marks frames as not visible."""

    is_video = True

    def __init__(self, root: Path, split_file: Path | None = None) -> None:
        """Find the sequence folders under ``root``."""
        self.name = f"folder:{root.name}"
        self.root = _require_dir(root, "sequence")
        if split_file is not None:
            folders = [self.root / name for name in read_names(split_file)]
        elif (self.root / "groundtruth.txt").is_file():
            folders = [self.root]
        else:
            folders = sorted(p.parent for p in self.root.glob("*/groundtruth.txt"))
        if not folders:
            raise DatasetError(f"no groundtruth.txt in {root} or its sub-folders")
        self.frames = [video.list_images(f / "img" if (f / "img").is_dir() else f) for f in folders]
        self.folders = folders
        for folder, files in zip(folders, self.frames):
            if not files:
                raise DatasetError(f"sequence {folder} has no image files")

    def __len__(self) -> int:
        """Number of sequences."""
        return len(self.folders)

    @lru_cache(maxsize=None)
    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """Boxes and visibility; the box count must match the frame count."""
        folder = self.folders[seq_id]
        boxes = read_boxes(folder / "groundtruth.txt")
        if len(boxes) != len(self.frames[seq_id]):
            raise DatasetError(f"{folder}: {len(boxes)} boxes for {len(self.frames[seq_id])} frames")
        visible = valid_boxes(boxes)
        absence_file = folder / "absence.label"
        if absence_file.is_file():
            visible &= _fit_flags(read_flags(absence_file), len(boxes), absence_file) == 0
        return SequenceInfo(boxes, visible)

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """Frame ``frame_id`` (0-based) of sequence ``seq_id``."""
        return read_image(self.frames[seq_id][frame_id])


def _sequence_list(root: Path, split_file: Path | None) -> list[str]:
    """GOT-10k sequence names from ``split_file``, ``list.txt`` or the sub-folders with a groundtruth."""
    if split_file is not None:
        return read_names(split_file)
    if (root / "list.txt").is_file():
        return read_names(root / "list.txt")
    return sorted(p.parent.name for p in root.glob("*/groundtruth.txt"))


DATASET_CLASSES = {
    "got10k": Got10kDataset,
    "lasot": LasotDataset,
    "trackingnet": TrackingNetDataset,
    "coco": CocoDataset,
    "folder": FolderDataset,
}


def _resolve(data_root: Path, path: str) -> Path:
    """``path`` under ``data_root`` unless it is absolute."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else data_root / candidate


def build_dataset(config: DatasetConfig, data_root: Path) -> TrackingDataset:
    """Open the dataset that ``config`` describes, with its root relative to ``data_root``."""
    split_file = _resolve(data_root, config.split_file) if config.split_file else None
    dataset = DATASET_CLASSES[config.kind](_resolve(data_root, config.root), split_file)
    log.info("dataset %s: %d sequences from %s", dataset.name, len(dataset), config.root)
    return dataset
