"""Builders of tiny synthetic benchmarks in the official on-disk layouts, and stand-in trackers, for the eval tests."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

IMAGE_W, IMAGE_H = 96, 72


def write_frames(folder: Path, count: int, name_format: str, start: int = 1, size: tuple[int, int] = (IMAGE_W, IMAGE_H),
                 seed: int = 0) -> list[Path]:
    """Write ``count`` small JPEG frames (noise plus a bright square) named by ``name_format``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    width, height = size
    paths = []
    for index in range(count):
        image = rng.integers(0, 80, size=(height, width, 3), dtype=np.uint8)
        x = 10 + 3 * index
        image[20:40, x:x + 20] = (230, 200, 40)
        path = folder / name_format.format(start + index)
        cv2.imwrite(str(path), image)
        paths.append(path)
    return paths


def write_rows(path: Path, rows: np.ndarray, fmt: str = "%.3f", delimiter: str = ",") -> None:
    """Write an annotation / result table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, np.asarray(rows, dtype=np.float64).reshape(len(rows), -1), fmt=fmt, delimiter=delimiter)


def moving_boxes(count: int, seed: int) -> np.ndarray:
    """Ground-truth boxes (count, 4) drifting across a 96x72 image, some partly outside it."""
    rng = np.random.default_rng(seed)
    boxes = np.zeros((count, 4))
    boxes[:, 0] = np.linspace(-6, 70, count) + rng.uniform(-2, 2, count)
    boxes[:, 1] = np.linspace(5, 50, count) + rng.uniform(-2, 2, count)
    boxes[:, 2] = rng.uniform(12, 30, count)
    boxes[:, 3] = rng.uniform(10, 28, count)
    return np.round(boxes, 2)


def noisy_predictions(groundtruth: np.ndarray, seed: int, scale: float = 6.0) -> np.ndarray:
    """Predictions near the ground truth with a spread of overlaps (some far off, some outside the image)."""
    rng = np.random.default_rng(seed)
    boxes = groundtruth + rng.normal(0.0, scale, groundtruth.shape)
    boxes[:, 2:] = np.abs(boxes[:, 2:]) + 1.0
    boxes[::5, :2] += 25.0
    return np.round(boxes, 3)


def make_got10k(root: Path, split: str, lengths: dict[str, int], with_labels: bool = True) -> dict[str, np.ndarray]:
    """A GOT-10k split with list.txt, frames, groundtruth, absence/cover labels and meta_info.ini."""
    base = root / split
    base.mkdir(parents=True, exist_ok=True)
    (base / "list.txt").write_text("\n".join(lengths) + "\n")
    truths = {}
    for seed, (name, count) in enumerate(lengths.items()):
        folder = base / name
        write_frames(folder, count, "{:08d}.jpg", seed=seed)
        gt = moving_boxes(count, seed)
        truths[name] = gt
        write_rows(folder / "groundtruth.txt", gt if split != "test" else gt[:1], fmt="%.4f")
        if with_labels and split != "test":
            cover = np.full(count, 8)
            cover[2::4] = 0
            cover[3::4] = 3
            absence = (cover == 0).astype(int)
            write_rows(folder / "cover.label", cover, fmt="%d")
            write_rows(folder / "absence.label", absence, fmt="%d")
            write_rows(folder / "cut_by_image.label", np.zeros(count), fmt="%d")
            (folder / "meta_info.ini").write_text(
                f"[METAINFO]\nurl: https://example.invalid/{name}\nbegin_time: 0\nend_time: 1\n"
                f"anno_fps: 10Hz\nobject_class: square\nmotion_class: sliding\nmajor_class: thing\n"
                f"root_class: object\nmotion_adverb: slowly\nresolution: ({IMAGE_W}, {IMAGE_H})\n")
    return truths


def make_folder_sequence(folder: Path, boxes: np.ndarray, sources: list[Path] | None = None) -> None:
    """A plain-format sequence: img/ frames (copied from ``sources`` or synthetic) and groundtruth.txt."""
    img = folder / "img"
    if sources is None:
        write_frames(img, len(boxes), "{:08d}.jpg")
    else:
        img.mkdir(parents=True, exist_ok=True)
        for source in sources:
            (img / source.name).write_bytes(source.read_bytes())
    write_rows(folder / "groundtruth.txt", boxes)


@dataclasses.dataclass
class ScriptedResult:
    """What a tracker returns: a box and a score."""

    box: tuple[float, float, float, float]
    score: float = 1.0


class ScriptedTracker:
    """Stand-in tracker: moves the initial box by (+1, +2) pixels per tracked frame, logging each call."""

    def __init__(self, log: Path | None = None) -> None:
        self.log = log
        self.box = (0.0, 0.0, 0.0, 0.0)

    def initialize(self, frame: np.ndarray, box: tuple[float, float, float, float]) -> None:
        """Remember the box."""
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
        self.box = tuple(float(v) for v in box)
        self._record("initialize")

    def track(self, frame: np.ndarray) -> ScriptedResult:
        """Return the last box moved by (+1, +2)."""
        x, y, w, h = self.box
        self.box = (x + 1.0, y + 2.0, w, h)
        self._record("track")
        return ScriptedResult(self.box)

    def _record(self, call: str) -> None:
        """Append the call to the log file (shared across worker processes)."""
        if self.log is not None:
            with open(self.log, "a") as handle:
                handle.write(call + "\n")


@dataclasses.dataclass(frozen=True)
class ScriptedFactory:
    """Picklable factory of :class:`ScriptedTracker` for worker processes."""

    log: str | None = None

    def __call__(self) -> ScriptedTracker:
        """Build one stand-in tracker."""
        return ScriptedTracker(Path(self.log) if self.log else None)


def expected_scripted_boxes(init_box: np.ndarray, count: int) -> np.ndarray:
    """The boxes ScriptedTracker produces over ``count`` frames."""
    steps = np.arange(count, dtype=np.float64)
    return np.stack([init_box[0] + steps, init_box[1] + 2 * steps,
                     np.full(count, init_box[2]), np.full(count, init_box[3])], axis=1)
