"""Camera geometry of a follow-me target: bearing angles and rays from intrinsics K and distortion D.

Pure numpy/cv2, no ROS types: :class:`CameraModel` holds what ``sensor_msgs/CameraInfo`` carries (size, K, D and the
distortion model). Pixels are undistorted with ``cv2.undistortPoints`` into the REP-103 optical frame (x right,
y down, z forward); azimuth = atan2(x, z) is positive to the right, elevation = atan2(-y, hypot(x, z)) positive up.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import cv2
import numpy as np

from smat_ros.crop import Box
from smat_ros.errors import InputError

# OpenCV accepts 4, 5, 8, 12 or 14 coefficients; plumb_bob is k1 k2 p1 p2 k3, rational_polynomial adds k4 k5 k6
DISTORTION_MODELS = {"plumb_bob": (4, 5), "rational_polynomial": (8,), "": (0,)}
OPENCV_LENGTHS = (4, 5, 8, 12, 14)


class CameraModelError(InputError):
    """Camera intrinsics that cannot give bearings (uncalibrated K, an unsupported distortion model)."""


@dataclasses.dataclass(frozen=True)
class CameraModel:
    """Pinhole camera with lens distortion: image size, 3x3 K, distortion coefficients D and their model name."""

    width: int
    height: int
    K: np.ndarray  # 3x3 float64
    D: np.ndarray  # (n,) float64
    distortion_model: str = "plumb_bob"

    @classmethod
    def from_values(cls, width: int, height: int, k: Sequence[float], d: Sequence[float],
                    distortion_model: str = "plumb_bob") -> CameraModel:
        """A checked model from CameraInfo-style values (K row-major, 9 numbers); CameraModelError if unusable."""
        matrix = np.asarray(k, dtype=np.float64).reshape(3, 3)  # row-major 9 -> 3x3
        coeffs = np.asarray(d, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(matrix)) or matrix[0, 0] <= 0 or matrix[1, 1] <= 0:
            raise CameraModelError(f"K has no positive focal lengths (fx={matrix[0, 0]}, fy={matrix[1, 1]}): "
                                   "the camera is not calibrated")
        if not np.all(np.isfinite(coeffs)):
            raise CameraModelError("D has NaN or infinite coefficients")
        if not np.any(coeffs):
            coeffs = np.zeros(0)
            distortion_model = distortion_model if distortion_model in DISTORTION_MODELS else ""
        if distortion_model not in DISTORTION_MODELS:
            raise CameraModelError(f"distortion model {distortion_model!r} is not supported "
                                   f"(use plumb_bob or rational_polynomial)")
        if len(coeffs) and len(coeffs) not in OPENCV_LENGTHS:
            raise CameraModelError(f"{distortion_model} D has {len(coeffs)} coefficients; expected one of "
                                   f"{OPENCV_LENGTHS}")
        if width <= 0 or height <= 0:
            raise CameraModelError(f"image size {width}x{height} is empty")
        return cls(int(width), int(height), matrix, coeffs, distortion_model)

    def rays(self, pixels: np.ndarray) -> np.ndarray:
        """Unit rays (N, 3) in the optical frame of pixel coordinates (N, 2), lens distortion removed."""
        points = np.asarray(pixels, dtype=np.float64).reshape(-1, 1, 2)  # (N, 2) -> (N, 1, 2) for OpenCV
        normalized = cv2.undistortPoints(points, self.K, self.D if len(self.D) else None).reshape(-1, 2)
        rays = np.concatenate([normalized, np.ones((len(normalized), 1))], axis=1)  # (N, 3): x, y, z=1
        return rays / np.linalg.norm(rays, axis=1, keepdims=True)


def angles(ray: np.ndarray) -> tuple[float, float]:
    """(azimuth, elevation) in radians of an optical-frame ray: right and up are positive."""
    x, y, z = (float(v) for v in ray)
    return math.atan2(x, z), math.atan2(-y, math.hypot(x, z))


@dataclasses.dataclass(frozen=True)
class Bearing:
    """Direction of a box seen by a camera: centre angles, the angles it subtends, and the unit centre ray."""

    azimuth: float
    elevation: float
    angular_width: float
    angular_height: float
    ray: tuple[float, float, float]


def box_bearing(camera: CameraModel, box: Box) -> Bearing:
    """Bearing of the centre of ``box`` (x, y, w, h in pixels) and the angles between its opposite edges."""
    x, y, w, h = box
    cx, cy = x + 0.5 * w, y + 0.5 * h
    pixels = np.array([[cx, cy], [x, cy], [x + w, cy], [cx, y], [cx, y + h]])
    centre, left, right, top, bottom = camera.rays(pixels)
    azimuth, elevation = angles(centre)
    width = math.acos(min(1.0, float(np.dot(left, right))))
    height = math.acos(min(1.0, float(np.dot(top, bottom))))
    return Bearing(azimuth, elevation, width, height, tuple(float(v) for v in centre))


def normalized_center(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    """Box centre in [-1, 1] (0 = image centre, x right, y down) and its size as fractions of the image."""
    x, y, w, h = box
    return ((x + 0.5 * w) / width * 2.0 - 1.0, (y + 0.5 * h) / height * 2.0 - 1.0, w / width, h / height)
