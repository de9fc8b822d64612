"""Synthetic tracking sequences in the GOT-10k layout: textured objects moving over textured backgrounds.

Used by the tests (a tiny dataset written to a temporary folder) and for the demo weights (larger, with
textures cut from real still images). A sequence has one target and a few distractors that move smoothly,
bounce off the borders, change scale, and pass in front of or behind each other; ``cover.label`` holds the
visible fraction of the target in eighths and ``absence.label`` marks frames where it is hidden.

With ``walkers > 0`` some objects are walkers: upright silhouettes (head, torso, swinging arms and legs) in
two-tone "clothing" that walk at a steady pace and change shape every frame, as pedestrians seen by a static
camera (``static_camera`` is the share of sequences whose background does not pan). ``posts`` adds up to that
many still, thin occluders (poles, some with a sign) in front of everything; a share ``posts_on_path`` of them
stands on the target's way, with a sign about its head. ``crossings`` adds up to that many look-alike walkers
(the target's texture, another brightness and build) that walk past it, meeting it on its way.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class SyntheticConfig:
    """Size of the generated data and of its frames and objects."""

    sequences: int = 4
    frames: int = 30
    width: int = 320
    height: int = 240
    min_object: int = 24
    max_object: int = 96
    distractors: int = 2
    max_speed: float = 6.0
    walkers: float = 0.0
    static_camera: float = 0.0
    posts: int = 0
    posts_on_path: float = 0.0
    crossings: int = 0


# the follow-me scenes (scripts/evaluate_follow.py, scripts/fit_association.py): the demo weights' training crowds,
# 60 frames, with posts on the target's way, and with look-alikes of the target crossing it
FOLLOW_CROWDS = SyntheticConfig(sequences=1, frames=60, width=384, height=288, min_object=20, max_object=70,
                                distractors=6, max_speed=5.0, walkers=0.95, static_camera=0.9, posts=4,
                                posts_on_path=0.5)
FOLLOW_CROSSINGS = dataclasses.replace(FOLLOW_CROWDS, crossings=2)
FOLLOW_FRAME_PERIOD_S = 0.1  # seconds between the follow-me scenes' frames (10 fps, as the vtest frames)


def procedural_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Colourful smooth-noise texture (HxWx3 uint8) with random stripes and blobs."""
    cells = int(rng.integers(2, 12))
    noise = rng.random((cells + 1, cells + 1, 3)).astype(np.float32)
    image = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    fine = cv2.resize(rng.random((height // 4 + 1, width // 4 + 1, 3)).astype(np.float32), (width, height))
    image = 0.7 * image + 0.3 * fine
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 40)
    stripes = 0.5 + 0.5 * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
    image = image * (1 - 0.4 * rng.random()) + 0.4 * rng.random() * stripes[..., None] * rng.random(3)
    return np.clip(image * 255, 0, 255).astype(np.uint8)


def texture_from(sources: Sequence[np.ndarray], height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A random region of a random source image resized to HxW, or a procedural texture without sources."""
    if not sources or rng.random() < 0.25:
        return procedural_texture(height, width, rng)
    source = sources[int(rng.integers(len(sources)))]
    src_h, src_w = source.shape[:2]
    scale = rng.uniform(0.15, 1.0)
    crop_h = max(8, min(src_h, int(src_h * scale)))
    crop_w = max(8, min(src_w, int(crop_h * width / height * rng.uniform(0.7, 1.4))))
    y0 = int(rng.integers(0, src_h - crop_h + 1))
    x0 = int(rng.integers(0, src_w - crop_w + 1))
    region = source[y0:y0 + crop_h, x0:x0 + crop_w]
    if rng.random() < 0.5:
        region = region[:, ::-1]
    return cv2.resize(np.ascontiguousarray(region), (width, height), interpolation=cv2.INTER_AREA)


def object_mask(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """HxW float mask in [0,1]: a rectangle, ellipse, rounded rectangle or blobby silhouette."""
    mask = np.zeros((height, width), np.float32)
    kind = int(rng.integers(4))
    if kind == 0:
        mask[:] = 1
    elif kind == 1:
        cv2.ellipse(mask, (width // 2, height // 2), (max(width // 2 - 1, 1), max(height // 2 - 1, 1)), 0, 0, 360,
                    1.0, -1)
    elif kind == 2:
        radius = max(1, min(width, height) // 4)
        cv2.rectangle(mask, (radius, 0), (width - 1 - radius, height - 1), 1.0, -1)
        cv2.rectangle(mask, (0, radius), (width - 1, height - 1 - radius), 1.0, -1)
        for cx, cy in ((radius, radius), (width - 1 - radius, radius), (radius, height - 1 - radius),
                       (width - 1 - radius, height - 1 - radius)):
            cv2.circle(mask, (cx, cy), radius, 1.0, -1)
    else:
        for _ in range(int(rng.integers(3, 7))):
            cx = int(rng.integers(width // 4, 3 * width // 4 + 1))
            cy = int(rng.integers(height // 5, 4 * height // 5 + 1))
            cv2.ellipse(mask, (cx, cy), (max(1, int(width * rng.uniform(0.15, 0.3))),
                                         max(1, int(height * rng.uniform(0.15, 0.3)))), 0, 0, 360, 1.0, -1)
    return mask


def walker_mask(height: int, width: int, phase: float) -> np.ndarray:
    """HxW float mask of an upright walking figure at gait ``phase`` (radians): head, torso, arms, legs."""
    mask = np.zeros((height, width), np.float32)
    cx, limb = width / 2, max(1, round(width * 0.22))
    head = max(1, round(min(0.09 * height, 0.3 * width)))
    cv2.circle(mask, (round(cx), head), head, 1.0, -1)
    cv2.ellipse(mask, (round(cx), round(0.36 * height)), (max(1, round(0.3 * width)), max(1, round(0.2 * height))),
                0, 0, 360, 1.0, -1)
    swing = np.sin(phase)
    hip, shoulder = (cx, 0.52 * height), (cx, 0.24 * height)
    for side in (-1, 1):
        foot = (cx + side * swing * 0.32 * width, height - 1 - limb / 2)
        hand = (cx - side * swing * 0.3 * width, 0.55 * height)
        cv2.line(mask, tuple(round(v) for v in hip), tuple(round(v) for v in foot), 1.0, limb)
        cv2.line(mask, tuple(round(v) for v in shoulder), tuple(round(v) for v in hand), 1.0, max(1, limb // 2))
    return mask


def tight_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the non-zero part of a mask (the full mask when empty)."""
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) == 0:
        return 0, 0, mask.shape[1], mask.shape[0]
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


@dataclasses.dataclass
class MovingObject:
    """A textured sprite with position (centre), velocity, scale and a scale rate (``still`` ones never move)."""

    texture: np.ndarray
    mask: np.ndarray
    center: np.ndarray
    velocity: np.ndarray
    scale: float
    scale_rate: float
    gait_rate: float = 0.0
    phase: float = 0.0
    still: bool = False

    def step(self, width: int, height: int, max_speed: float, rng: np.random.Generator) -> None:
        """Advance one frame: smooth random acceleration (steady for walkers), bounce at the borders, slow scale
        drift, gait."""
        if self.gait_rate:
            self.phase += self.gait_rate
            self.velocity = np.clip(self.velocity + rng.normal(0, 0.1, 2), -max_speed, max_speed)
        else:
            self.velocity = np.clip(self.velocity + rng.normal(0, 0.6, 2), -max_speed, max_speed)
        self.center = self.center + self.velocity
        for axis, limit in ((0, width), (1, height)):
            if not 0 <= self.center[axis] <= limit:
                self.velocity[axis] *= -1
                self.center[axis] = np.clip(self.center[axis], 0, limit)
        self.scale_rate = float(np.clip(self.scale_rate + rng.normal(0, 0.004), -0.02, 0.02))
        self.scale = float(np.clip(self.scale * (1 + self.scale_rate), 0.6, 1.6))

    def sprite(self) -> tuple[np.ndarray, np.ndarray]:
        """Texture and mask at the current scale (and gait phase for walkers)."""
        h, w = self.mask.shape
        size = (max(2, round(w * self.scale)), max(2, round(h * self.scale)))
        if self.gait_rate:
            return cv2.resize(self.texture, size), walker_mask(size[1], size[0], self.phase)
        return cv2.resize(self.texture, size), cv2.resize(self.mask, size)


def paste(frame: np.ndarray, coverage: np.ndarray, texture: np.ndarray, mask: np.ndarray,
          center: np.ndarray) -> tuple[int, int]:
    """Alpha-blend a sprite centred at ``center`` into ``frame`` and ``coverage``; returns its top-left corner."""
    h, w = mask.shape
    x0, y0 = int(round(center[0] - w / 2)), int(round(center[1] - h / 2))
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = min(x0 + w, frame.shape[1]), min(y0 + h, frame.shape[0])
    if fx1 > fx0 and fy1 > fy0:
        alpha = mask[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0, None]
        region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
        sprite = texture[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0].astype(np.float32)
        frame[fy0:fy1, fx0:fx1] = (alpha * sprite + (1 - alpha) * region).astype(np.uint8)
        coverage[fy0:fy1, fx0:fx1] = np.maximum(coverage[fy0:fy1, fx0:fx1], alpha[..., 0])
    return x0, y0


def _new_object(config: SyntheticConfig, sources: Sequence[np.ndarray], rng: np.random.Generator,
                min_side: int | None = None) -> MovingObject:
    """A sprite of random size, aspect and texture at a random place (a walker with probability ``walkers``)."""
    if config.walkers and rng.random() < config.walkers:
        return new_walker(config, sources, rng, min_side)
    side = rng.uniform(min_side or config.min_object, config.max_object)
    aspect = float(np.exp(rng.uniform(-0.9, 0.9)))
    w, h = max(4, int(side * np.sqrt(aspect))), max(4, int(side / np.sqrt(aspect)))
    texture = texture_from(sources, h, w, rng)
    center = np.array([rng.uniform(0.2, 0.8) * config.width, rng.uniform(0.2, 0.8) * config.height])
    return MovingObject(texture, object_mask(h, w, rng), center, rng.normal(0, 2.0, 2),
                        1.0, float(rng.normal(0, 0.005)))


def new_walker(config: SyntheticConfig, sources: Sequence[np.ndarray], rng: np.random.Generator,
                min_side: int | None = None) -> MovingObject:
    """A walking figure (height:width about 2.2:1, two-tone texture) with a steady, mostly sideways pace."""
    h = int(rng.uniform(min_side or config.min_object, config.max_object) * 1.3)
    w = max(6, int(h / rng.uniform(1.8, 2.8)))
    top = int(h * rng.uniform(0.45, 0.6))
    texture = np.concatenate([texture_from(sources, top, w, rng), texture_from(sources, h - top, w, rng)])
    center = np.array([rng.uniform(0.1, 0.9) * config.width, rng.uniform(0.25, 0.75) * config.height])
    speed = rng.uniform(0.5, 0.6 * config.max_speed)
    velocity = np.array([speed * rng.choice([-1.0, 1.0]), rng.normal(0, 0.4)])
    return _walking(texture, center, velocity, float(rng.normal(0, 0.003)), rng)


def _walking(texture: np.ndarray, center: np.ndarray, velocity: np.ndarray, scale_rate: float,
             rng: np.random.Generator) -> MovingObject:
    """A walker wearing ``texture`` (its size is the figure's) with a random gait rate and phase."""
    h, w = texture.shape[:2]
    return MovingObject(texture, walker_mask(h, w, 0.0), center, velocity, 1.0, scale_rate,
                        gait_rate=float(rng.uniform(0.25, 0.6)), phase=float(rng.uniform(0, 2 * np.pi)))


def new_crosser(config: SyntheticConfig, target: MovingObject, rng: np.random.Generator) -> MovingObject:
    """A walker dressed like ``target`` that meets it on its way: both reach the same spot in the same frame."""
    h = max(8, int(target.mask.shape[0] * rng.uniform(0.85, 1.15)))
    w = max(6, int(target.mask.shape[1] * rng.uniform(0.8, 1.25)))
    texture = np.clip(cv2.resize(target.texture, (w, h)).astype(np.float32) * rng.uniform(0.7, 1.3), 0, 255)
    speed = rng.uniform(0.5, 0.6 * config.max_speed)
    velocity = np.array([-np.sign(target.velocity[0] or 1.0) * speed, rng.normal(0, 0.3)])
    meet = float(rng.uniform(3, max(4, config.frames - 3)))
    spot = target.center + target.velocity * meet + np.array([0.0, rng.normal(0, 0.25) * h])
    spot[0] = np.clip(spot[0], 0, config.width)
    room = spot[0] if velocity[0] > 0 else config.width - spot[0]  # the crosser starts inside the frame
    meet = min(meet, room / speed)
    return _walking(texture.astype(np.uint8), spot - velocity * meet, velocity, 0.0, rng)


def _new_post(config: SyntheticConfig, sources: Sequence[np.ndarray], rng: np.random.Generator,
              target: MovingObject | None = None) -> MovingObject:
    """A still, thin vertical occluder (a pole, sometimes with a sign on top) standing somewhere in the frame, or,
    given ``target``, on its way with the top at about its head."""
    if target is None:
        h, w = int(rng.uniform(0.3, 0.9) * config.height), int(rng.uniform(4, 14))
        sign = int(rng.uniform(3, 6) * w) if rng.random() < 0.5 else 0
        bottom = config.height - rng.uniform(0, 0.1) * h
        x = rng.uniform(0.1, 0.9) * config.width
    else:
        target_h = target.mask.shape[0]
        h, w = int(target_h * rng.uniform(0.9, 1.5)), int(rng.uniform(3, 10))
        sign = int(rng.uniform(0.3, 0.6) * target_h) if rng.random() < 0.7 else 0
        bottom = target.center[1] + target_h * (0.5 + rng.uniform(-0.1, 0.3))
        x = float(np.clip(target.center[0] + target.velocity[0] * rng.uniform(4, max(5, config.frames - 4)), 0,
                          config.width))
    width = max(w, sign)
    mask = np.zeros((h, width), np.float32)
    mask[:, (width - w) // 2:(width + w) // 2] = 1
    mask[: int(0.6 * sign)] = 1
    center = np.array([x, bottom - h / 2])
    return MovingObject(texture_from(sources, h, width, rng), mask, center, np.zeros(2), 1.0, 0.0, still=True)


def render_sequence(config: SyntheticConfig, sources: Sequence[np.ndarray],
                    rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Frames, target boxes (N, 4) x,y,w,h and target visible fraction (N,) of one synthetic sequence."""
    pan = 24
    background = texture_from(sources, config.height + 2 * pan, config.width + 2 * pan, rng)
    target = _new_object(config, sources, rng)
    others = [_new_object(config, sources, rng, config.min_object // 2) for _ in range(config.distractors)]
    in_front = [bool(rng.random() < 0.3) for _ in others]
    if config.posts:
        posts = [_new_post(config, sources, rng,
                           target if config.posts_on_path and rng.random() < config.posts_on_path else None)
                 for _ in range(int(rng.integers(0, config.posts + 1)))]
        others, in_front = others + posts, in_front + [True] * len(posts)
    if config.crossings and target.gait_rate:
        crossers = [new_crosser(config, target, rng) for _ in range(int(rng.integers(1, config.crossings + 1)))]
        others = crossers + others
        in_front = [bool(rng.random() < 0.5) for _ in crossers] + in_front
    offset, drift = np.array([pan, pan], dtype=np.float64), rng.normal(0, 0.7, 2)
    if config.static_camera and rng.random() < config.static_camera:
        drift = np.zeros(2)
    frames, boxes, visible = [], [], []
    for _ in range(config.frames):
        offset = np.clip(offset + drift, 0, 2 * pan)
        ox, oy = int(offset[0]), int(offset[1])
        frame = background[oy:oy + config.height, ox:ox + config.width].copy()
        ignore = np.zeros(frame.shape[:2], np.float32)
        for other, front in zip(others, in_front, strict=True):
            if not front:
                texture, mask = other.sprite()
                paste(frame, ignore, texture, mask, other.center)
        target_cover = np.zeros(frame.shape[:2], np.float32)
        texture, mask = target.sprite()
        x0, y0 = paste(frame, target_cover, texture, mask, target.center)
        bx, by, bw, bh = tight_box(mask)
        full_area = float((mask > 0.5).sum())
        occluders = np.zeros(frame.shape[:2], np.float32)
        for other, front in zip(others, in_front, strict=True):
            if front:
                texture_o, mask_o = other.sprite()
                paste(frame, occluders, texture_o, mask_o, other.center)
        seen = float(((target_cover > 0.5) & (occluders < 0.5)).sum())
        frames.append(frame)
        boxes.append((x0 + bx, y0 + by, bw, bh))
        visible.append(seen / max(full_area, 1.0))
        for obj in [target, *others]:
            if not obj.still:
                obj.step(config.width, config.height, config.max_speed, rng)
    return frames, np.asarray(boxes, dtype=np.float64), np.asarray(visible)


def clip_box_to_frame(box: np.ndarray, width: int, height: int) -> np.ndarray:
    """Intersection of an x,y,w,h box with the frame (w = h = 0 when outside)."""
    x1, y1 = max(box[0], 0), max(box[1], 0)
    x2, y2 = min(box[0] + box[2], width), min(box[1] + box[3], height)
    return np.array([x1, y1, max(x2 - x1, 0), max(y2 - y1, 0)])


def write_got10k(root: Path, config: SyntheticConfig, seed: int = 0,
                 sources: Sequence[np.ndarray] = (), prefix: str = "SYN") -> list[str]:
    """Write ``config.sequences`` sequences in GOT-10k layout under ``root``; returns their names."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    names = []
    for index in range(config.sequences):
        name = f"{prefix}_{index + 1:06d}"
        folder = root / name
        folder.mkdir(exist_ok=True)
        frames, boxes, visible = render_sequence(config, sources, rng)
        lines, covers, absences = [], [], []
        for number, (frame, box, fraction) in enumerate(zip(frames, boxes, visible, strict=True), 1):
            cv2.imwrite(str(folder / f"{number:08d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 90])
            clipped = clip_box_to_frame(box, config.width, config.height)
            lines.append(",".join(f"{v:.1f}" for v in clipped))
            cover = int(np.floor(fraction * 8 + 1e-6)) if clipped[2] > 0 and clipped[3] > 0 else 0
            covers.append(str(min(cover, 8)))
            absences.append("1" if cover == 0 else "0")
        (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
        (folder / "cover.label").write_text("\n".join(covers) + "\n")
        (folder / "absence.label").write_text("\n".join(absences) + "\n")
        names.append(name)
    list_file = root / "list.txt"
    existing = _read_list(list_file)
    list_file.write_text("\n".join(existing + [n for n in names if n not in existing]) + "\n")
    return names


def _read_list(path: Path) -> list[str]:
    """Lines of an existing list file (empty when absent)."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []
