"""sensor_msgs Image/CompressedImage <-> RGB numpy frames, and vision_msgs builders for the tracker's box.

Pure functions without rclpy state. Frames are HxWx3 uint8 RGB arrays (what :class:`smat_ros.Tracker` takes);
boxes are (x, y, w, h) in pixels with (x, y) the top-left corner. Invalid input raises
:class:`smat_ros.errors.InputError` with a message naming the problem.
"""
from __future__ import annotations

import array
import dataclasses

import cv2
import numpy as np
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header
from vision_msgs.msg import BoundingBox2D, Detection2D, Detection2DArray, ObjectHypothesisWithPose

from smat_ros.crop import Box
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
PUBLISH_ENCODINGS = ("rgb8", "bgr8")


def _pixels(msg: Image, encoding: Encoding) -> np.ndarray:
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


def image_to_rgb(msg: Image) -> np.ndarray:
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


def compressed_to_rgb(msg: CompressedImage) -> np.ndarray:
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


def _byte_array(values: np.ndarray) -> array.array:
    """The bytes of a contiguous array as the array.array('B') that uint8[] message fields hold (one copy)."""
    data = array.array("B")
    data.frombytes(np.ascontiguousarray(values).data)
    return data


def rgb_to_image(frame: np.ndarray, header: Header, encoding: str = "rgb8") -> Image:
    """sensor_msgs/Image (rgb8 or bgr8, no row padding) of an HxWx3 uint8 RGB frame."""
    if encoding not in PUBLISH_ENCODINGS:
        raise InputError(f"cannot publish encoding {encoding!r}: use one of {', '.join(PUBLISH_ENCODINGS)}")
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise InputError(f"frame must be HxWx3 uint8 RGB, got shape {frame.shape} dtype {frame.dtype}")
    pixels = frame if encoding == "rgb8" else cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    height, width = frame.shape[:2]
    return Image(
        header=header, height=height, width=width, encoding=encoding, is_bigendian=0, step=width * 3,
        data=_byte_array(pixels),
    )


def rgb_to_compressed(frame: np.ndarray, header: Header, fmt: str = "jpeg") -> CompressedImage:
    """sensor_msgs/CompressedImage (jpeg or png) of an HxWx3 uint8 RGB frame."""
    if fmt not in ("jpeg", "png"):
        raise InputError(f"cannot compress to {fmt!r}: use jpeg or png")
    ok, encoded = cv2.imencode(".jpg" if fmt == "jpeg" else ".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise InputError(f"cv2 could not encode a {frame.shape} frame as {fmt}")
    return CompressedImage(header=header, format=fmt, data=_byte_array(encoded))


def bbox_to_box(bbox: BoundingBox2D) -> Box:
    """(x, y, w, h) of a vision_msgs/BoundingBox2D (center + size); rotation is ignored."""
    w, h = bbox.size_x, bbox.size_y
    return (bbox.center.position.x - 0.5 * w, bbox.center.position.y - 0.5 * h, w, h)


def box_to_bbox(box: Box) -> BoundingBox2D:
    """vision_msgs/BoundingBox2D (center + size, theta 0) of an (x, y, w, h) box."""
    x, y, w, h = box
    bbox = BoundingBox2D(size_x=float(w), size_y=float(h))
    bbox.center.position.x = float(x + 0.5 * w)
    bbox.center.position.y = float(y + 0.5 * h)
    return bbox


def detection_array(header: Header, box: Box | None, score: float, track_id: str) -> Detection2DArray:
    """Detection2DArray with ``header``: one Detection2D (id, bbox, score) or, when ``box`` is None, none."""
    out = Detection2DArray(header=header)
    if box is None:
        return out
    hypothesis = ObjectHypothesisWithPose()
    hypothesis.hypothesis.class_id = "target"
    hypothesis.hypothesis.score = float(score)
    out.detections.append(
        Detection2D(header=header, results=[hypothesis], bbox=box_to_bbox(box), id=track_id)
    )
    return out

