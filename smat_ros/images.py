"""sensor_msgs/Image and CompressedImage payloads -> RGB numpy frames, for any object with the messages' fields.

No ROS needed: the node passes its ROS messages, offline replay passes messages deserialized by rosbags. Frames are
HxWx3 uint8 RGB arrays (what :class:`smat_ros.Tracker` takes). Invalid input raises
:class:`smat_ros.errors.InputError` with a message naming the problem.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from smat_ros.errors import InputError


@dataclasses.dataclass(frozen=True)
class Encoding:
    """Memory layout of one sensor_msgs/Image encoding and the cv2 conversion that makes it RGB."""

    channels: int
    bytes_per_channel: int
    to_rgb: int | None  # cv2.COLOR_* code, None when already RGB


ENCODINGS: dict[str, Encoding] = {
    "rgb8": Encoding(3, 1, None),
    "bgr8": Encoding(3, 1, cv2.COLOR_BGR2RGB),
    "rgba8": Encoding(4, 1, cv2.COLOR_RGBA2RGB),
    "bgra8": Encoding(4, 1, cv2.COLOR_BGRA2RGB),
    "mono8": Encoding(1, 1, cv2.COLOR_GRAY2RGB),
    "rgb16": Encoding(3, 2, None),
    "bgr16": Encoding(3, 2, cv2.COLOR_BGR2RGB),
    "rgba16": Encoding(4, 2, cv2.COLOR_RGBA2RGB),
    "bgra16": Encoding(4, 2, cv2.COLOR_BGRA2RGB),
    "mono16": Encoding(1, 2, cv2.COLOR_GRAY2RGB),
}
COMPRESSED_FORMATS = ("jpeg", "jpg", "png")


def _pixels(msg: Any, encoding: Encoding) -> np.ndarray:
    """View of the image's pixel bytes as [H, W*C*bytes], rows trimmed of ``step`` padding (no copy)."""
    height, width, step = msg.height, msg.width, msg.step
    if height == 0 or width == 0:
        raise InputError(f"image is empty: {width}x{height} pixels")
    row_bytes = width * encoding.channels * encoding.bytes_per_channel
    if step < row_bytes:
        raise InputError(f"image step {step} is smaller than width*bytes per pixel = {row_bytes} ({msg.encoding})")
    if len(msg.data) < height * step:
        raise InputError(f"image data has {len(msg.data)} bytes, fewer than height*step = {height}*{step}")
    rows = np.frombuffer(msg.data, dtype=np.uint8, count=height * step).reshape(height, step)  # [H, step]
    return rows[:, :row_bytes]  # [H, W*C*bytes]


def image_to_rgb(msg: Any) -> np.ndarray:
    """HxWx3 uint8 RGB frame of a sensor_msgs/Image; rgb8 without conversion is a view of ``msg.data``."""
    encoding = ENCODINGS.get(msg.encoding)
    if encoding is None:
        raise InputError(f"unsupported image encoding {msg.encoding!r}: use one of {', '.join(ENCODINGS)}")
    pixels = _pixels(msg, encoding)
    if encoding.bytes_per_channel == 2:
        pixels = pixels.view(">u2" if msg.is_bigendian else "<u2")  # [H, W*C] 16-bit, byte order from the message
        pixels = (pixels >> 8).astype(np.uint8)  # high byte: 16-bit range -> 8-bit range
    pixels = pixels.reshape(msg.height, msg.width, encoding.channels)  # [H, W, C]
    if encoding.to_rgb is None:
        return pixels
    if encoding.channels == 1:
        pixels = pixels[:, :, 0]  # [H, W]: cv2 wants a 2-D gray image
    return cv2.cvtColor(pixels, encoding.to_rgb)


def compressed_to_rgb(msg: Any) -> np.ndarray:
    """HxWx3 uint8 RGB frame of a jpeg/png sensor_msgs/CompressedImage (EXIF orientation is not applied)."""
    fmt = msg.format.lower()
    if not any(name in fmt for name in COMPRESSED_FORMATS):
        raise InputError(f"unsupported compressed image format {msg.format!r}: use jpeg or png")
    if len(msg.data) == 0:
        raise InputError(f"compressed image ({msg.format}) has no data")
    bgr = cv2.imdecode(np.frombuffer(msg.data, dtype=np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise InputError(f"cannot decode the {msg.format} data ({len(msg.data)} bytes): corrupt or not {msg.format}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
