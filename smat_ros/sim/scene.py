"""The simulated world: a panorama background, people walking on scripted ground paths, still posts, and what a
camera at a given pose sees of them, with the true box of the target.

People are upright billboards (the articulated two-tone walkers of ``smat_ros.train.synthetic``) standing on the
ground plane at ``camera_height`` below the camera; their size and place in the image follow from the pinhole
intrinsics (feet to head, ``width`` wide at their depth), and the true box is the tight box of the figure drawn.
Everything is deterministic given ``SceneConfig.seed``.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from smat_ros.errors import ConfigError
from smat_ros.sim.camera import CameraPose, Intrinsics
from smat_ros.sim.panorama import Panorama, background_plate
from smat_ros.train.synthetic import paste, texture_from, tight_box, walker_mask
from smat_ros.video import list_images, read_image

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_BACKGROUND = ASSETS / "vtest_background.jpg"
TEXTURE_SIZE = (160, 64)  # walker texture height, width in pixels before scaling to the projected size
STRIDE_M = 1.4  # metres per gait cycle (two steps)
TARGET_HUE = 3.0  # the target wears red (OpenCV hue, 0-180)


@dataclasses.dataclass(frozen=True)
class WalkerConfig:
    """A person walking along ground waypoints (X right, Z ahead at the start, metres) at ``speed`` m/s, setting
    off at ``start_s`` and standing at the last waypoint after; ``look_alike`` dresses it like the target."""

    path: tuple[tuple[float, float], ...] = ((0.0, 6.0),)
    speed: float = 1.2
    start_s: float = 0.0
    height: float = 1.75
    width: float = 0.6
    look_alike: bool = False


@dataclasses.dataclass(frozen=True)
class PostConfig:
    """A still pole at ground point (x, z) with an optional sign of width ``sign`` metres on top."""

    x: float = 1.0
    z: float = 3.0
    height: float = 2.2
    width: float = 0.12
    sign: float = 0.0


@dataclasses.dataclass(frozen=True)
class SceneConfig:
    """The camera (image size, field of view, mounting height, start pose, frame rate) and the scripted world.

    The default scenario (20 s): the target sets off just right of the centre, walks out of the initial view to
    the right (56 degrees) passing behind a thin post with a sign, turns and walks back across to the left (-45
    degrees), then walks away to the left. ``others`` adds passers-by (``look_alike`` ones dressed like the
    target), ``posts`` more occluders.
    """

    seed: int = 0
    width: int = 640
    height: int = 480
    hfov_deg: float = 60.0
    fps: float = 10.0
    duration_s: float = 20.0
    camera_height: float = 1.5
    start_yaw_deg: float = 0.0
    start_pitch_deg: float = 0.0
    background: str = ""
    panorama_copies: int = 2
    target: WalkerConfig = WalkerConfig(path=((0.3, 6.0), (6.0, 4.0), (-5.0, 5.0), (-3.0, 9.0)))
    others: tuple[WalkerConfig, ...] = ()
    posts: tuple[PostConfig, ...] = (PostConfig(x=2.6, z=4.2, width=0.08, sign=0.4),)

    def __post_init__(self) -> None:
        """Reject settings the scene cannot render."""
        if self.fps <= 0 or self.duration_s <= 0 or self.camera_height <= 0:
            raise ConfigError("SceneConfig: fps, duration_s and camera_height must be > 0")
        for walker in (self.target, *self.others):
            if not walker.path or walker.speed < 0 or walker.height <= 0 or walker.width <= 0:
                raise ConfigError(f"SceneConfig: a walker needs waypoints, speed >= 0 and a size > 0: {walker}")

    @property
    def frames(self) -> int:
        """Number of frames in the scenario."""
        return int(round(self.duration_s * self.fps))

    @property
    def intrinsics(self) -> Intrinsics:
        """The camera's pinhole intrinsics."""
        return Intrinsics.from_fov(self.width, self.height, math.radians(self.hfov_deg))

    @property
    def start_pose(self) -> CameraPose:
        """The camera's pose at time 0."""
        return CameraPose(yaw=math.radians(self.start_yaw_deg), pitch=math.radians(self.start_pitch_deg))


@dataclasses.dataclass(frozen=True)
class TrueTarget:
    """Where the target is in one image: the tight box x, y, w, h of its whole figure in pixels (unclipped: it may
    reach beyond the image), the fraction of its figure
    that is visible (0 outside the image or hidden), its bearing from the camera (radians, REP-103 optical) and
    whether it is ahead of the camera at all."""

    box: tuple[float, float, float, float]
    visible: float
    azimuth: float
    elevation: float
    ahead: bool

    def center_norm(self, intrinsics: Intrinsics) -> tuple[float, float]:
        """Box centre in [-1, 1] image units (0 = the image centre; beyond +-1 outside the image)."""
        x, y, w, h = self.box
        return (2 * (x + w / 2) / intrinsics.width - 1, 2 * (y + h / 2) / intrinsics.height - 1)


def path_position(walker: WalkerConfig, t_s: float) -> tuple[float, float, float]:
    """Ground point (X, Z) of ``walker`` at time ``t_s`` and the distance walked so far."""
    points = np.asarray(walker.path, dtype=np.float64)
    remaining = max(0.0, t_s - walker.start_s) * walker.speed
    walked = 0.0
    for start, end in zip(points[:-1], points[1:], strict=True):
        length = float(np.linalg.norm(end - start))
        if remaining <= length and length > 0:
            point = start + (end - start) * remaining / length
            return float(point[0]), float(point[1]), walked + remaining
        remaining -= length
        walked += length
    return float(points[-1, 0]), float(points[-1, 1]), walked


def load_background(source: str | Path) -> np.ndarray:
    """The background plate (RGB): a still image, or the median of a folder of frames from a static camera."""
    path = Path(source) if source else DEFAULT_BACKGROUND
    if path.is_dir():
        return background_plate([read_image(frame) for frame in list_images(path)])
    return read_image(path)


class Scene:
    """Renders the scripted world for a camera pose at a time, with the target's true box."""

    def __init__(self, config: SceneConfig, plate: np.ndarray | None = None) -> None:
        self.config = config
        self.intrinsics = config.intrinsics
        plate = load_background(config.background) if plate is None else plate
        max_pitch = math.radians(60)
        vertical = math.atan((config.height / 2) / self.intrinsics.fy) + max_pitch
        self.panorama = Panorama.from_plate(self._fit_plate(plate), config.panorama_copies, vertical)
        rng = np.random.default_rng(config.seed)
        self._target_texture = self._dress(plate, rng, TARGET_HUE)
        self._textures = [self._look_alike(rng) if walker.look_alike else self._dress(plate, rng)
                          for walker in config.others]
        self._post_textures = [np.clip(rng.normal(128, 12, (64, 16, 3)), 0, 255).astype(np.uint8)  # grey metal
                               for _ in config.posts]
        self._gait_phase = [float(rng.uniform(0, 2 * np.pi)) for _ in range(1 + len(config.others))]

    def _fit_plate(self, plate: np.ndarray) -> np.ndarray:
        """The plate scaled so that ``panorama_copies`` copies span 360 degrees at the camera's resolution."""
        width = 2 * math.pi * self.intrinsics.fx / self.config.panorama_copies
        scale = width / plate.shape[1]
        return cv2.resize(plate, (max(1, round(width)), max(1, round(plate.shape[0] * scale))),
                          interpolation=cv2.INTER_AREA)

    def _dress(self, plate: np.ndarray, rng: np.random.Generator, hue: float | None = None) -> np.ndarray:
        """Two-tone clothing: a shirt of ``hue`` (OpenCV's 0-180; random but not the target's when None) over
        darker trousers, with folds cut from the background plate."""
        height, width = TEXTURE_SIZE
        top = int(height * rng.uniform(0.45, 0.6))
        hue = (TARGET_HUE + rng.uniform(30, 150)) % 180 if hue is None else hue
        parts = []
        for rows, value in ((top, rng.uniform(170, 240)), (height - top, rng.uniform(50, 110))):
            folds = cv2.cvtColor(texture_from([plate], rows, width, rng), cv2.COLOR_RGB2GRAY).astype(np.float32)
            hsv = np.stack([np.full_like(folds, hue if value > 150 else rng.uniform(0, 180)),
                            np.full_like(folds, rng.uniform(120, 230)),
                            np.clip(value + 0.5 * (folds - folds.mean()), 0, 255)], axis=-1)  # (rows, W, 3)
            parts.append(cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB))
        return np.concatenate(parts)

    def _look_alike(self, rng: np.random.Generator) -> np.ndarray:
        """The target's clothing, a little brighter or darker."""
        return np.clip(self._target_texture.astype(np.float32) * rng.uniform(0.8, 1.2), 0, 255).astype(np.uint8)

    def render(self, t_s: float, pose: CameraPose) -> tuple[np.ndarray, TrueTarget]:
        """The image (HxWx3 uint8 RGB) the camera sees at ``pose`` at time ``t_s`` and the target's true place."""
        config = self.config
        frame = self.panorama.render(self.intrinsics, pose)
        walkers = [(config.target, self._target_texture, self._gait_phase[0])] + list(
            zip(config.others, self._textures, self._gait_phase[1:], strict=True))
        items = []  # (depth, index, billboard box, texture, mask maker) or None; 0 is the target, posts < 0
        for index, (walker, texture, phase) in enumerate(walkers):
            x, z, walked = path_position(walker, t_s)
            gait = phase + 2 * np.pi * walked / STRIDE_M
            items.append(self._billboard(pose, x, z, walker.height, walker.width, texture,
                                         lambda size, gait=gait: walker_mask(size[1], size[0], gait), index))
        for index, (post, texture) in enumerate(zip(config.posts, self._post_textures, strict=True)):
            width = max(post.width, post.sign)
            mask = np.zeros((200, max(2, round(200 * width / post.height))), np.float32)
            pole = max(1, round(mask.shape[1] * post.width / width))
            mask[:, (mask.shape[1] - pole) // 2:(mask.shape[1] + pole) // 2] = 1
            if post.sign:
                mask[: round(0.6 * mask.shape[1] / 1.5)] = 1
            items.append(self._billboard(pose, post.x, post.z, post.height, width, texture,
                                         lambda size, mask=mask: cv2.resize(mask, size), -1 - index))
        target_cover = np.zeros(frame.shape[:2], np.float32)
        others_cover = np.zeros(frame.shape[:2], np.float32)
        figure: tuple[tuple[float, float, float, float], float] | None = None  # the target's tight box and area
        for _, index, box, texture, make_mask in sorted((item for item in items if item is not None),
                                                        key=lambda item: -item[0]):  # far to near
            x, y, w, h = box
            size = (max(2, round(w)), max(2, round(h)))
            mask = make_mask(size)
            if index == 0:
                others_cover[:] = 0  # only what is drawn after the target hides it
            cover = target_cover if index == 0 else others_cover
            x0, y0 = paste(frame, cover, cv2.resize(texture, size), mask, np.array([x + w / 2, y + h / 2]))
            if index == 0:
                bx, by, bw, bh = tight_box(mask)
                figure = (float(x0 + bx), float(y0 + by), float(bw), float(bh)), float((mask > 0.5).sum())
        if figure is None:
            return frame, TrueTarget((math.nan,) * 4, 0.0, math.nan, math.nan, False)
        box, area = figure
        seen = float(((target_cover > 0.5) & (others_cover < 0.5)).sum())
        ray_x = (box[0] + box[2] / 2 - self.intrinsics.cx) / self.intrinsics.fx
        ray_y = (box[1] + box[3] / 2 - self.intrinsics.cy) / self.intrinsics.fy
        return frame, TrueTarget(box, seen / area if area else 0.0, math.atan2(ray_x, 1.0),
                                 math.atan2(-ray_y, math.hypot(ray_x, 1.0)), True)

    def _billboard(self, pose: CameraPose, x: float, z: float, height: float, width: float, texture: np.ndarray,
                   make_mask: Callable[[tuple[int, int]], np.ndarray], index: int):
        """(depth, index, box, texture, make_mask) of an upright object standing at ground point (x, z); None when
        it is behind the camera. The box spans the projected feet to head, ``width`` wide at the object's depth."""
        feet, head = pose.to_camera(np.array([[x, self.config.camera_height, z],
                                              [x, self.config.camera_height - height, z]]))
        depth = (feet[2] + head[2]) / 2
        if min(feet[2], head[2]) <= 0.05:
            return None
        (u_feet, v_feet), (u_head, v_head) = self.intrinsics.project(np.stack([feet, head]))
        w = self.intrinsics.fx * width / depth
        center_u = (u_feet + u_head) / 2
        return depth, index, (center_u - w / 2, v_head, w, v_feet - v_head), texture, make_mask
