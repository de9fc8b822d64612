"""sensor_msgs Image/CompressedImage <-> RGB numpy frames, and vision_msgs builders for the tracker's box.

Decoding lives in :mod:`smat_ros.images` (ROS-free, shared with offline replay) and is re-exported here. Pure
functions without rclpy state. Frames are HxWx3 uint8 RGB arrays (what :class:`smat_ros.Tracker` takes);
boxes are (x, y, w, h) in pixels with (x, y) the top-left corner. Invalid input raises
:class:`smat_ros.errors.InputError` with a message naming the problem.
"""
from __future__ import annotations

import array

import cv2
import numpy as np
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header
from vision_msgs.msg import BoundingBox2D, Detection2D, Detection2DArray, ObjectHypothesisWithPose

from smat_ros.crop import Box
from smat_ros.errors import InputError
from smat_ros.images import COMPRESSED_FORMATS, ENCODINGS, compressed_to_rgb, image_to_rgb  # noqa: F401 (API)

PUBLISH_ENCODINGS = ("rgb8", "bgr8")


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

