"""Image geometry of the tracker, as in the reference: square context crops, box mapping, clipping, Hann window.

Pure numpy/cv2 (plus torch for the window); knows nothing about the network.
"""
from __future__ import annotations

import math
from typing import Sequence

import cv2
import numpy as np
import torch

from smat_ros.errors import InputError

Box = tuple[float, float, float, float]


def validate_frame(frame: object) -> np.ndarray:
    """Return ``frame`` if it is an HxWx3 uint8 array, else raise InputError naming what is wrong."""
    if not isinstance(frame, np.ndarray):
        raise InputError(f"frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise InputError(f"frame must have dtype uint8, got {frame.dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise InputError(f"frame must be HxWx3 (RGB), got shape {frame.shape}")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InputError(f"frame is empty: shape {frame.shape}")
    return frame


def validate_box(box: Sequence[float], frame_shape: Sequence[int]) -> Box:
    """Return ``box`` (x, y, w, h) as floats if it is finite, non-empty and overlaps the frame, else raise InputError."""
    try:
        values = tuple(float(v) for v in box)
    except (TypeError, ValueError):
        raise InputError(f"box must be 4 numbers (x, y, w, h), got {box!r}") from None
    if len(values) != 4:
        raise InputError(f"box must be 4 numbers (x, y, w, h), got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"box has NaN or infinite values: {values}")
    x, y, w, h = values
    if w <= 0 or h <= 0:
        raise InputError(f"box width and height must be > 0, got w={w}, h={h}")
    height, width = frame_shape[0], frame_shape[1]
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise InputError(f"box {values} lies entirely outside the {width}x{height} frame")
    return values  # type: ignore[return-value]


def crop_side(box: Box, factor: float) -> int:
    """Side of the square context crop: ceil(sqrt(w*h) * factor)."""
    return math.ceil(math.sqrt(box[2] * box[3]) * factor)


def sample_target(image: np.ndarray, box: Box, factor: float, output_size: int) -> tuple[np.ndarray, float]:
    """Square crop of side sqrt(w*h)*factor centred on ``box``, zero-padded, resized to output_size; and its scale."""
    x, y, w, h = box
    side = crop_side(box, factor)
    if side < 1:
        raise InputError(f"box {box} is too small to crop")
    x1 = round(x + 0.5 * w - side * 0.5)
    y1 = round(y + 0.5 * h - side * 0.5)
    x2, y2 = x1 + side, y1 + side
    # The reference pads one pixel more on the far sides than the crop needs, and crops one less; kept for parity.
    pad_left, pad_top = max(0, -x1), max(0, -y1)
    pad_right = max(x2 - image.shape[1] + 1, 0)
    pad_bottom = max(y2 - image.shape[0] + 1, 0)
    crop = image[y1 + pad_top : y2 - pad_bottom, x1 + pad_left : x2 - pad_right, :]
    crop = cv2.copyMakeBorder(crop, pad_top, pad_bottom, pad_left, pad_right, cv2.BORDER_CONSTANT)
    return cv2.resize(crop, (output_size, output_size)), output_size / side


def map_box_back(box_in_crop: Sequence[float], previous: Box, search_size: int, resize_factor: float) -> Box:
    """Box (cx, cy, w, h) in crop pixels scaled to the frame -> frame box (x, y, w, h) around the previous centre."""
    cx, cy, w, h = box_in_crop
    half_side = 0.5 * search_size / resize_factor
    cx_frame = cx + previous[0] + 0.5 * previous[2] - half_side
    cy_frame = cy + previous[1] + 0.5 * previous[3] - half_side
    return (cx_frame - 0.5 * w, cy_frame - 0.5 * h, w, h)


def clip_box(box: Box, height: int, width: int, margin: int = 0) -> Box:
    """Clip (x, y, w, h) to the frame keeping at least ``margin`` pixels of size and of overlap."""
    x1, y1, w, h = box
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    return (x1, y1, max(margin, x2 - x1), max(margin, y2 - y1))


def hann_window(size: int) -> torch.Tensor:
    """Centred 2-D cosine window [1, 1, size, size] (float32) that favours small motion."""
    n = torch.arange(1, size + 1, dtype=torch.float32)
    window = 0.5 * (1 - torch.cos((2 * math.pi / (size + 1)) * n))
    return window.reshape(1, 1, -1, 1) * window.reshape(1, 1, 1, -1)
