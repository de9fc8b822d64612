"""Training datasets over the layout readers of :mod:`smat_ros.datasets`: GOT-10k, LaSOT, TrackingNet, COCO and a
plain frame folder.

Every dataset is a list of sequences; a sequence has per-frame boxes ``(x, y, w, h)`` in pixels and a per-frame
visibility flag: the benchmark's own flags (its official rule, see each layout module) and a finite box with
positive width and height. COCO is an image dataset: each annotated object is a one-frame sequence (``is_video``
False). Annotations are read lazily, when a sequence is first sampled, as the reference does.
"""
from __future__ import annotations

import dataclasses
import logging
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from smat_ros import video
from smat_ros.datasets.base import Layout
from smat_ros.datasets.coco import CocoObjects
from smat_ros.datasets.folder import FolderLayout
from smat_ros.datasets.got10k import Got10kLayout
from smat_ros.datasets.lasot import TRAIN_LIST, LasotLayout
from smat_ros.datasets.trackingnet import TrackingNetLayout
from smat_ros.errors import DatasetError, InputError
from smat_ros.textfile import read_names
from smat_ros.train.config import DatasetConfig
from smat_ros.train.paths import resolve_path

log = logging.getLogger(__name__)

__all__ = ["DatasetError", "ImageObjectDataset", "SequenceDataset", "SequenceInfo", "TrackingDataset",
           "build_dataset", "open_dataset"]


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


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    """Frames whose box is finite with positive width and height."""
    finite = np.isfinite(boxes).all(axis=1)
    return finite & (np.nan_to_num(boxes[:, 2]) > 0) & (np.nan_to_num(boxes[:, 3]) > 0)


class SequenceDataset:
    """A video dataset read through one layout reader; visible = the layout's flags and a valid box."""

    is_video = True

    def __init__(self, name: str, layout: Layout, check_frame_count: bool = False) -> None:
        """``check_frame_count``: list each sequence's frames and require one box per frame (user footage)."""
        self.name = name
        self.layout = layout
        self.check_frame_count = check_frame_count

    @property
    def sequences(self) -> list[str]:
        """Sequence names in index order."""
        return self.layout.sequence_names

    def __len__(self) -> int:
        """Number of sequences."""
        return len(self.layout)

    @cache  # noqa: B019 (datasets live for the whole run)
    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """Boxes (float32, NaN rows allowed) and visibility of sequence ``seq_id``."""
        name = self.sequences[seq_id]
        boxes = self.layout.boxes(name).astype(np.float32)
        if self.check_frame_count:
            frames = len(self.layout.frames(name))
            if len(boxes) != frames:
                raise DatasetError(f"{self.layout.annotation(name)}: {len(boxes)} boxes for {frames} frames")
        visible = valid_boxes(boxes)
        flags = self.layout.visible(name, len(boxes))
        if flags is not None:
            visible &= flags
        return SequenceInfo(boxes, visible)

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """Frame ``frame_id`` (0-based) of sequence ``seq_id``."""
        return read_image(self.layout.frame_path(self.sequences[seq_id], frame_id))


class ImageObjectDataset:
    """COCO: every non-crowd object a one-frame sequence; visible when both sides exceed 50 pixels."""

    is_video = False

    def __init__(self, objects: CocoObjects) -> None:
        self.name = "coco"
        self.objects = objects

    def __len__(self) -> int:
        """Number of objects (one-frame sequences)."""
        return len(self.objects)

    def sequence_info(self, seq_id: int) -> SequenceInfo:
        """The object's box and visibility."""
        boxes = self.objects.boxes(seq_id).astype(np.float32)
        return SequenceInfo(boxes, valid_boxes(boxes) & self.objects.visible(seq_id))

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        """The object's image (``frame_id`` is ignored)."""
        return read_image(self.objects.image_path(seq_id))


def _require_dir(root: Path, what: str) -> Path:
    """Return ``root`` if it is a folder, else raise a DatasetError naming ``what``."""
    if not root.is_dir():
        raise DatasetError(f"{what} folder not found: {root}")
    return root


def open_dataset(kind: str, root: Path, split_file: Path | None = None) -> TrackingDataset:
    """Training dataset ``kind`` (got10k, lasot, trackingnet, coco, folder) at ``root``; ``split_file`` names the
    sequences (COCO: the instances JSON file)."""
    if kind == "coco":
        return ImageObjectDataset(CocoObjects(root, split_file))
    names = read_names(split_file) if split_file is not None else None
    if kind == "got10k":
        return SequenceDataset("got10k", Got10kLayout("got10k", _require_dir(root, "GOT-10k"), names=names,
                                                      allow_nan=True))
    if kind == "lasot":
        return SequenceDataset("lasot", LasotLayout("lasot", _require_dir(root, "LaSOT"), names=names,
                                                    allow_nan=True, list_file=TRAIN_LIST))
    if kind == "trackingnet":
        chunks = sorted(c.name for c in _require_dir(root, "TrackingNet").glob("TRAIN_*") if (c / "anno").is_dir())
        return SequenceDataset("trackingnet", TrackingNetLayout("trackingnet", root, chunks=chunks, names=names,
                                                                allow_nan=True))
    if kind == "folder":
        layout = FolderLayout("folder", _require_dir(root, "sequence"), names=names, allow_nan=True)
        return SequenceDataset(f"folder:{root.name}", layout, check_frame_count=True)
    raise DatasetError(f"unknown dataset kind {kind!r}")


def build_dataset(config: DatasetConfig, data_root: Path) -> TrackingDataset:
    """Open the dataset that ``config`` describes, with its root relative to ``data_root``."""
    split_file = resolve_path(data_root, config.split_file) if config.split_file else None
    dataset = open_dataset(config.kind, resolve_path(data_root, config.root), split_file)
    log.info("dataset %s: %d sequences from %s", dataset.name, len(dataset), config.root)
    return dataset
