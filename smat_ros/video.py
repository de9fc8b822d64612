"""Frames in and out: video files or image folders as RGB frames, box files, rendered result videos."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from smat_ros.errors import InputError

TRACK_COLOR = (255, 255, 0)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def _frame_key(path: Path) -> tuple[int, int | str]:
    """Sort key putting numeric frame names in numeric order, before any other names."""
    return (0, int(path.stem)) if path.stem.isdigit() else (1, path.stem)


def list_images(folder: str | Path) -> list[Path]:
    """Image files of ``folder`` in frame order (numeric names numerically, then by name); [] when none."""
    return sorted((p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=_frame_key)


class FrameSource:
    """RGB uint8 frames from a video file or a folder of images (in frame order, see :func:`list_images`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"input not found: {self.path}")
        self.images: list[Path] = []
        if self.path.is_dir():
            self.images = list_images(self.path)
            if not self.images:
                raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {self.path}")
            self.fps = 30.0
            self.count = len(self.images)
        else:
            capture = cv2.VideoCapture(str(self.path))
            ok = capture.isOpened() and capture.read()[0]
            self.fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0) or 30.0
            self.count = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
            capture.release()
            if not ok:
                raise InputError(f"cannot read any frame from video {self.path} (empty, corrupt or unsupported)")

    def __len__(self) -> int:
        """Number of frames (for videos, as the container reports it)."""
        return self.count

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield HxWx3 uint8 RGB frames."""
        if self.images:
            for image_path in self.images:
                yield read_image(image_path)
            return
        capture = cv2.VideoCapture(str(self.path))
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        finally:
            capture.release()


def read_image(path: str | Path) -> np.ndarray:
    """One image file as an HxWx3 uint8 RGB array."""
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise InputError(f"cannot read image {path}")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def parse_box(text: str) -> tuple[float, float, float, float]:
    """'x,y,w,h' (commas, tabs or spaces) -> four floats."""
    parts = [p for p in text.replace(",", " ").replace("\t", " ").split() if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"box must be four numbers x,y,w,h, got {text!r}") from None
    if len(values) != 4:
        raise InputError(f"box must be four numbers x,y,w,h, got {text!r}")
    return values  # type: ignore[return-value]


def format_box(box: Sequence[float]) -> str:
    """One GOT-10k result line: x,y,w,h with 4 decimals."""
    return ",".join(f"{v:.4f}" for v in box)


LABEL_FONT = cv2.FONT_HERSHEY_SIMPLEX
LABEL_SCALE = 0.6
LABEL_ORIGIN = (8, 22)  # baseline start of the label, pixels


def draw_track(frame_rgb: np.ndarray, box: Sequence[float] | None, score: float | None, label: str = "",
               color: tuple[int, int, int] = TRACK_COLOR) -> np.ndarray:
    """Copy of ``frame_rgb`` with the box, a label and the score drawn in ``color`` (RGB in, RGB out)."""
    canvas = np.ascontiguousarray(frame_rgb).copy()
    if box is not None:
        x, y, w, h = (int(round(v)) for v in box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, 2)
    text = " ".join(t for t in (label, f"score {score:.2f}" if score is not None else "") if t)
    if text:
        draw_label(canvas, text, color)
    return canvas


def draw_label(canvas: np.ndarray, text: str, color: tuple[int, int, int]) -> None:
    """``text`` in ``color`` on a black plate at the top left of ``canvas`` (in place), legible on any background.

    A thicker black copy of the text as an outline does not work: Hershey glyphs advance by their stroke thickness,
    so the outline drifts away from the text along the line (13 px over a 19-letter label).
    """
    (width, height), baseline = cv2.getTextSize(text, LABEL_FONT, LABEL_SCALE, 1)
    x, y = LABEL_ORIGIN
    cv2.rectangle(canvas, (x - 4, y - height - 4), (x + width + 4, y + baseline + 2), (0, 0, 0), cv2.FILLED)
    cv2.putText(canvas, text, (x, y), LABEL_FONT, LABEL_SCALE, color, 1, cv2.LINE_AA)


class VideoWriter:
    """Writes RGB frames to an mp4 (or any container cv2 supports by suffix)."""

    def __init__(self, path: str | Path, fps: float, size_wh: tuple[int, int]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.suffix.lower() == ".mp4" else "MJPG"))
        self._writer = cv2.VideoWriter(str(self.path), fourcc, fps, size_wh)
        if not self._writer.isOpened():
            raise InputError(f"cannot open video writer for {self.path}")

    def write(self, frame_rgb: np.ndarray) -> None:
        """Append one RGB frame."""
        self._writer.write(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        """Finish the file."""
        self._writer.release()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
