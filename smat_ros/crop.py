"""Image geometry of the tracker, as in the reference: square context crops, box mapping, clipping, Hann window.

Pure numpy/cv2 (torch only inside :func:`hann_window`, so that importing ``Box`` stays light); knows nothing about
the network.

Limits (bad boxes must give an :class:`InputError`, never an allocation failure): a target box may be at most
``MAX_BOX_IMAGE_RATIO`` times the frame's width and height and at least ``MIN_BOX_SIDE_PX`` pixels on each side.
A context crop whose padded square would exceed ``MAX_CROP_BYTES`` is resampled straight from the frame into the
output size (same geometry, no padded intermediate), so no crop allocates more than that bound.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np

from smat_ros.errors import InputError

if TYPE_CHECKING:
    import torch

Box = tuple[float, float, float, float]

MAX_BOX_IMAGE_RATIO = 2.0  # a box's width/height may be at most this multiple of the frame's width/height
MIN_BOX_SIDE_PX = 2.0  # a box's width and height must be at least this many pixels
MAX_CROP_BYTES = 64 * 1024 * 1024  # largest padded crop built as in the reference (larger: resampled directly)


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
    """Return ``box`` (x, y, w, h) as floats if it is finite, within the size limits and overlaps the frame.

    Raises InputError with the reason otherwise (see the module's limits).
    """
    try:
        values = tuple(float(v) for v in box)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"box must be 4 numbers (x, y, w, h), got {box!r}") from None
    if len(values) != 4:
        raise InputError(f"box must be 4 numbers (x, y, w, h), got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"box has NaN or infinite values: {values}")
    x, y, w, h = values
    if w <= 0 or h <= 0:
        raise InputError(f"box width and height must be > 0, got w={w}, h={h}")
    if w < MIN_BOX_SIDE_PX or h < MIN_BOX_SIDE_PX:
        raise InputError(f"box {w:g}x{h:g} is too small: width and height must be at least {MIN_BOX_SIDE_PX:g} px")
    height, width = frame_shape[0], frame_shape[1]
    if w > MAX_BOX_IMAGE_RATIO * width or h > MAX_BOX_IMAGE_RATIO * height:
        raise InputError(f"box {w:g}x{h:g} is too large for the {width}x{height} frame: width and height may be at "
                         f"most {MAX_BOX_IMAGE_RATIO:g} times the frame's")
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise InputError(f"box {values} lies entirely outside the {width}x{height} frame")
    return values


def crop_side(box: Box, factor: float) -> int:
    """Side of the square context crop: ceil(sqrt(w*h) * factor)."""
    return math.ceil(math.sqrt(box[2] * box[3]) * factor)


def sample_target(image: np.ndarray, box: Box, factor: float, output_size: int,
                  max_crop_bytes: int = MAX_CROP_BYTES) -> tuple[np.ndarray, float]:
    """Square crop of side sqrt(w*h)*factor centred on ``box``, zero-padded, resized to output_size; and its scale.

    Raises InputError for a box whose crop is empty or not finite.
    """
    x, y, w, h = box
    area, centre_x, centre_y = w * h, x + 0.5 * w, y + 0.5 * h
    if not (math.isfinite(area) and area > 0 and math.isfinite(centre_x) and math.isfinite(centre_y)):
        raise InputError(f"box {box} has no finite crop")
    side = crop_side(box, factor)
    if side < 1:
        raise InputError(f"box {box} is too small to crop")
    x1 = round(centre_x - side * 0.5)
    y1 = round(centre_y - side * 0.5)
    outside = x1 >= image.shape[1] or y1 >= image.shape[0] or x1 + side <= 0 or y1 + side <= 0
    if outside or side * side * image.shape[2] > max_crop_bytes:  # the padding alone would be unbounded
        return _resample_crop(image, x1, y1, side, output_size), output_size / side
    x2, y2 = x1 + side, y1 + side
    # The reference pads one pixel more on the far sides than the crop needs, and crops one less; kept for parity.
    pad_left, pad_top = max(0, -x1), max(0, -y1)
    pad_right = max(x2 - image.shape[1] + 1, 0)
    pad_bottom = max(y2 - image.shape[0] + 1, 0)
    crop = image[y1 + pad_top : y2 - pad_bottom, x1 + pad_left : x2 - pad_right, :]
    crop = cv2.copyMakeBorder(crop, pad_top, pad_bottom, pad_left, pad_right, cv2.BORDER_CONSTANT)
    return cv2.resize(crop, (output_size, output_size)), output_size / side


def _resample_crop(image: np.ndarray, x1: int, y1: int, side: int, output_size: int) -> np.ndarray:
    """The zero-padded square [x1, x1+side) x [y1, y1+side) resized to output_size, sampled from ``image`` directly."""
    scale = side / output_size
    # output pixel u samples the frame at x1 + (u + 0.5) * scale - 0.5 (cv2.resize's pixel-centre convention)
    to_frame = np.array([[scale, 0.0, x1 + 0.5 * scale - 0.5], [0.0, scale, y1 + 0.5 * scale - 0.5]])
    return cv2.warpAffine(image, to_frame, (output_size, output_size),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def box_centre(box: Sequence[float]) -> tuple[float, float]:
    """The centre (x, y) of a box (x, y, w, h)."""
    return box[0] + 0.5 * box[2], box[1] + 0.5 * box[3]


def box_at(centre: tuple[float, float], size: tuple[float, float], frame_shape: Sequence[int]) -> Box:
    """A box of ``size`` (w, h) centred on ``centre``, moved inside the frame (a prediction off it keeps its size)."""
    cx = min(max(centre[0], 0.0), frame_shape[1] - 1.0)
    cy = min(max(centre[1], 0.0), frame_shape[0] - 1.0)
    return (cx - 0.5 * size[0], cy - 0.5 * size[1], size[0], size[1])


def shift_box(box: Box, dx: float, dy: float, frame_shape: Sequence[int]) -> Box:
    """``box`` moved by (dx, dy) (a camera's image shift), its centre kept inside the frame."""
    cx, cy = box_centre(box)
    return box_at((cx + dx, cy + dy), (box[2], box[3]), frame_shape)


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
    import torch

    n = torch.arange(1, size + 1, dtype=torch.float32)
    window = 0.5 * (1 - torch.cos((2 * math.pi / (size + 1)) * n))
    return window.reshape(1, 1, -1, 1) * window.reshape(1, 1, 1, -1)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes (0 for empty ones)."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0
