"""The reference's training augmentations: box jitter, grayscale, horizontal flips and brightness jitter.

Boxes are ``(x, y, w, h)``; in pixels on full frames, normalised by the crop side on crops.
"""
from __future__ import annotations

import cv2
import numpy as np


def jitter_box(box: np.ndarray, center_jitter: float, scale_jitter: float, rng: np.random.Generator) -> np.ndarray:
    """Scale the box by exp(N(0,1)*scale_jitter) per side and shift its centre uniformly by up to
    ±center_jitter/2 times the jittered box's sqrt-area."""
    size = box[2:4] * np.exp(rng.standard_normal(2) * scale_jitter)
    max_offset = np.sqrt(np.prod(size)) * center_jitter
    center = box[0:2] + 0.5 * box[2:4] + max_offset * (rng.random(2) - 0.5)
    return np.concatenate([center - 0.5 * size, size]).astype(np.float64)


def grayscale(image: np.ndarray) -> np.ndarray:
    """RGB image as three equal grayscale channels."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.stack([gray, gray, gray], axis=2)


def flip_image(image: np.ndarray) -> np.ndarray:
    """Mirror an HxWxC image left-right."""
    return np.ascontiguousarray(image[:, ::-1])


def flip_box_pixels(box: np.ndarray, width: int) -> np.ndarray:
    """Mirror a pixel box on a frame of ``width`` (corner x maps to width-1-x, as the reference)."""
    flipped = np.asarray(box, dtype=np.float64).copy()
    flipped[0] = (width - 1) - (box[0] + box[2])
    return flipped


def flip_box_normalized(box: np.ndarray) -> np.ndarray:
    """Mirror a box normalised to [0, 1] (corner x maps to 1-x)."""
    flipped = np.asarray(box, dtype=np.float64).copy()
    flipped[0] = 1.0 - (box[0] + box[2])
    return flipped


def brightness_factor(jitter: float, rng: np.random.Generator) -> float:
    """Uniform brightness factor in [max(0, 1-jitter), 1+jitter]."""
    return float(rng.uniform(max(0.0, 1.0 - jitter), 1.0 + jitter))


def to_float_image(image: np.ndarray, factor: float) -> np.ndarray:
    """uint8 HxWx3 to float32 3xHxW in [0, 1], scaled by the brightness ``factor`` and clipped."""
    chw = image.transpose(2, 0, 1).astype(np.float32)  # HxWx3 -> 3xHxW
    return np.clip(chw * (factor / 255.0), 0.0, 1.0)
