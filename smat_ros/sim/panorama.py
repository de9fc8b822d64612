"""A 360-degree cylindrical background at infinity, and the camera's view of it at any yaw and pitch.

Built from real frames: the median of a static camera's frames (the scene without the people who walk through it)
repeated around the cylinder, every other copy mirrored so that neighbouring copies and the 360-degree seam join
without a jump. Straight ahead (azimuth 0) is the plate's left edge meeting its mirror image; with two copies the
plate's middle is at +-90 degrees.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from smat_ros.errors import ConfigError, InputError
from smat_ros.sim.camera import CameraPose, Intrinsics


def background_plate(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Per-pixel median of same-sized frames (HxWx3 uint8): moving people vanish, the still scene stays."""
    if not frames:
        raise InputError("background_plate needs at least one frame")
    shapes = {frame.shape for frame in frames}
    if len(shapes) != 1:
        raise InputError(f"background frames differ in size: {sorted(shapes)}")
    return np.median(np.stack(frames), axis=0).astype(np.uint8)  # (N, H, W, 3) -> (H, W, 3)


class Panorama:
    """A cylinder image: column = azimuth (world X right of Z, radians) x ``pixels_per_rad``; row = ``horizon_row``
    + height on the unit cylinder x ``pixels_per_rad``. Azimuth 0 (straight ahead at the start) is column 0,
    wrapping around at 2 pi: built from a plate, the plate's left edge where it meets its mirror image."""

    def __init__(self, image: np.ndarray, pixels_per_rad: float, horizon_row: float) -> None:
        self.image = image
        self.pixels_per_rad = pixels_per_rad
        self.horizon_row = horizon_row
        self._base_maps: dict[Intrinsics, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_plate(cls, plate: np.ndarray, copies: int, vertical_fov_rad: float) -> Panorama:
        """``copies`` (even) copies of ``plate`` around 360 degrees, alternately mirrored; padded by reflection to
        cover ``vertical_fov_rad`` above and below the horizon (the plate's middle row)."""
        if copies < 2 or copies % 2:
            raise ConfigError(f"copies must be an even number >= 2 (the seam joins mirrored copies), got {copies}")
        pixels_per_rad = plate.shape[1] * copies / (2 * math.pi)
        tiles = [plate if index % 2 == 0 else plate[:, ::-1] for index in range(copies)]
        image = np.concatenate(tiles, axis=1)  # (H, copies * W, 3)
        half = int(math.ceil(math.tan(vertical_fov_rad) * pixels_per_rad)) + 2
        pad = max(0, half - plate.shape[0] // 2)
        image = cv2.copyMakeBorder(image, pad, pad, 0, 0, cv2.BORDER_REFLECT)
        return cls(np.ascontiguousarray(image), pixels_per_rad, pad + plate.shape[0] / 2)

    def render(self, intrinsics: Intrinsics, pose: CameraPose) -> np.ndarray:
        """The camera's view (H x W x 3 uint8) of the cylinder at ``pose`` (its position does not matter: the
        background is at infinity)."""
        if pose.pitch == 0.0:
            map_x, map_y = self._level_maps(intrinsics)
            map_x = map_x - np.float32(pose.yaw * self.pixels_per_rad)
        else:
            rays = intrinsics.pixel_rays() @ pose.rotation().astype(np.float32)  # camera -> world, (H, W, 3)
            map_x, map_y = self._maps(rays)
        width = self.image.shape[1]
        map_x = np.mod(map_x, width).astype(np.float32)
        map_y = np.clip(map_y, 0, self.image.shape[0] - 1).astype(np.float32)
        return cv2.remap(self.image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)

    def _level_maps(self, intrinsics: Intrinsics) -> tuple[np.ndarray, np.ndarray]:
        """Remap coordinates of a level camera at yaw 0 (yaw only shifts the columns), cached per intrinsics."""
        if intrinsics not in self._base_maps:
            self._base_maps[intrinsics] = self._maps(intrinsics.pixel_rays())
        return self._base_maps[intrinsics]

    def _maps(self, rays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Panorama column and row (H, W float32) seen along world-frame rays (H, W, 3)."""
        horizontal = np.hypot(rays[..., 0], rays[..., 2])
        azimuth = np.arctan2(rays[..., 0], rays[..., 2])
        map_x = azimuth * self.pixels_per_rad
        map_y = self.horizon_row + rays[..., 1] / horizontal * self.pixels_per_rad
        return map_x.astype(np.float32), map_y.astype(np.float32)
