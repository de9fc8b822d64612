"""Pinhole intrinsics and the pose of a camera that pans (yaw), tilts (pitch) and may drive on the ground.

World frame (metres): X to the right and Z ahead of the start pose on the ground plane, Y down, origin at the
camera's optical centre at start. Yaw is positive to the left (REP-103: a positive angular.z turns left), pitch
positive up. Camera coordinates are the optical frame: x right, y down, z along the optical axis.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from smat_ros.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Intrinsics:
    """An undistorted pinhole camera: image size and K (fx, fy, cx, cy in pixels)."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_fov(cls, width: int, height: int, hfov_rad: float) -> Intrinsics:
        """Square pixels, principal point at the image centre, ``hfov_rad`` across the width."""
        if width <= 0 or height <= 0 or not 0 < hfov_rad < math.pi:
            raise ConfigError(f"need a positive image size and 0 < hfov < pi, got {width}x{height}, {hfov_rad}")
        focal = (width / 2) / math.tan(hfov_rad / 2)
        return cls(width, height, focal, focal, (width - 1) / 2, (height - 1) / 2)

    @property
    def matrix(self) -> np.ndarray:
        """K as a 3x3 float64 array."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixels (N, 2) of camera-frame points (N, 3) with z > 0."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        return np.stack([self.cx + self.fx * points[:, 0] / points[:, 2],
                         self.cy + self.fy * points[:, 1] / points[:, 2]], axis=1)

    def pixel_rays(self) -> np.ndarray:
        """Camera-frame ray (x, y, 1) through every pixel centre, (H, W, 3) float32."""
        u = (np.arange(self.width, dtype=np.float32) - self.cx) / self.fx
        v = (np.arange(self.height, dtype=np.float32) - self.cy) / self.fy
        uu, vv = np.meshgrid(u, v)  # (H, W) each
        return np.stack([uu, vv, np.ones_like(uu)], axis=-1)


@dataclasses.dataclass(frozen=True)
class CameraPose:
    """Ground position (x, z), yaw (positive left) and pitch (positive up) of the camera, radians and metres."""

    x: float = 0.0
    z: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0

    def moved(self, forward: float, yaw_rate: float, pitch_rate: float, dt: float,
              pitch_limit: float = math.radians(60)) -> CameraPose:
        """The pose after ``dt`` seconds at constant forward speed, yaw rate (+ left) and pitch rate (+ down, as
        a Twist's angular.y), the pitch held within +-pitch_limit."""
        yaw = self.yaw + yaw_rate * dt
        heading = (self.yaw + yaw) / 2  # midpoint heading over the step
        # forward direction in the world at yaw psi: (-sin psi, cos psi) in (X, Z)
        x = self.x - forward * dt * math.sin(heading)
        z = self.z + forward * dt * math.cos(heading)
        pitch = min(max(self.pitch - pitch_rate * dt, -pitch_limit), pitch_limit)
        return CameraPose(x, z, yaw, pitch)

    def rotation(self) -> np.ndarray:
        """R (3x3) taking world directions to camera-frame directions."""
        cos_y, sin_y = math.cos(self.yaw), math.sin(self.yaw)
        cos_p, sin_p = math.cos(self.pitch), math.sin(self.pitch)
        # yaw left by psi: camera right = (cos psi, 0, sin psi), ahead = (-sin psi, 0, cos psi) in world X, Y, Z
        yaw = np.array([[cos_y, 0.0, sin_y], [0.0, 1.0, 0.0], [-sin_y, 0.0, cos_y]])
        # pitch up by phi about the camera's x axis: a point ahead and above moves to the optical axis
        pitch = np.array([[1.0, 0.0, 0.0], [0.0, cos_p, sin_p], [0.0, -sin_p, cos_p]])
        return pitch @ yaw

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """Camera-frame coordinates (N, 3) of world points (N, 3)."""
        offset = np.asarray(points, dtype=np.float64).reshape(-1, 3) - np.array([self.x, 0.0, self.z])
        return offset @ self.rotation().T
