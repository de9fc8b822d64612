"""COCO (an image dataset, used for training): ``annotations/instances_{split}.json`` and the images in
``images/{split}/`` (or ``{split}/``). Every non-crowd object is a one-frame sequence, visible when both sides of its
box exceed 50 pixels (the reference's rule).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from smat_ros.errors import DatasetError

COCO_MIN_SIDE = 50.0


class CocoObjects:
    """The non-crowd objects of one COCO split: image file and box ``x, y, w, h`` of each."""

    family = "coco"

    def __init__(self, root: str | Path, annotations: str | Path | None = None, split: str = "train2017") -> None:
        """Load the instances file (``annotations`` overrides its path)."""
        self.root = Path(root)
        if not self.root.is_dir():
            raise DatasetError(f"COCO folder not found: {self.root}")
        anno_path = Path(annotations) if annotations else self.root / "annotations" / f"instances_{split}.json"
        try:
            data = json.loads(anno_path.read_text())
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
        """Number of objects."""
        return len(self.objects)

    def boxes(self, index: int) -> np.ndarray:
        """The object's box as (1, 4) float64."""
        return np.asarray([self.objects[index][1]], dtype=np.float64)

    def visible(self, index: int) -> np.ndarray:
        """(1,) bool: both sides exceed 50 pixels."""
        boxes = self.boxes(index)
        return (boxes[:, 2] > COCO_MIN_SIDE) & (boxes[:, 3] > COCO_MIN_SIDE)

    def image_path(self, index: int) -> Path:
        """The object's image file."""
        return self.image_dir / self.objects[index][0]
