"""Colour appearance of the target, a second opinion on re-acquisition candidates.

A network trained on few data may score a stranger, a post or a black border about as high as the target. The
colour signature of a box (hue-saturation and value histograms, HSV) is cheap and independent of the network: a
candidate whose colours are far from the target's first box is not the target. The test is relative to the track:
a candidate must be at least ``ratio`` times as similar to the first box as the target's own recent boxes were.
"""
from __future__ import annotations

import collections
import statistics

import cv2
import numpy as np

from smat_ros.crop import Box

HUE_BINS, SATURATION_BINS, VALUE_BINS = 12, 6, 8


def colour_signature(frame: np.ndarray, box: Box) -> np.ndarray | None:
    """Normalized HS and V histograms of the box's pixels in an RGB frame (None when the box is off the frame)."""
    height, width = frame.shape[:2]
    x1, y1 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x2, y2 = min(width, int(round(box[0] + box[2]))), min(height, int(round(box[1] + box[3])))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(frame[y1:y2, x1:x2]), cv2.COLOR_RGB2HSV)
    hs = cv2.calcHist([hsv], [0, 1], None, [HUE_BINS, SATURATION_BINS], [0, 180, 0, 256]).ravel()
    value = cv2.calcHist([hsv], [2], None, [VALUE_BINS], [0, 256]).ravel()
    return np.concatenate([hs / max(hs.sum(), 1.0), value / max(value.sum(), 1.0)])


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya coefficient of two signatures, averaged over their two histograms: 1 = same colours."""
    return float(np.sum(np.sqrt(a * b))) / 2.0


class AppearanceModel:
    """The target's first colour signature and how similar its recent boxes were to it."""

    def __init__(self, recent: int = 15) -> None:
        self._template: np.ndarray | None = None
        self._recent: collections.deque[tuple[float, float]] = collections.deque(maxlen=recent)  # stamp, similarity

    def start(self, frame: np.ndarray, box: Box) -> None:
        """Take the target's colours from its first box."""
        self._template = colour_signature(frame, box)
        self._recent.clear()

    def similarity(self, frame: np.ndarray, box: Box) -> float | None:
        """Similarity of ``box`` on ``frame`` to the first box (None without a signature)."""
        signature = colour_signature(frame, box)
        if self._template is None or signature is None:
            return None
        return similarity(self._template, signature)

    def observe(self, frame: np.ndarray, box: Box, stamp_s: float) -> None:
        """Record how similar a box where the target was seen at ``stamp_s`` is to the first one."""
        value = self.similarity(frame, box)
        if value is not None:
            self._recent.append((stamp_s, value))

    def roll_back(self, stamp_s: float) -> None:
        """Forget the boxes seen after ``stamp_s`` (they were on something else)."""
        kept = [entry for entry in self._recent if entry[0] <= stamp_s]
        self._recent.clear()
        self._recent.extend(kept)

    def relative_similarity(self, frame: np.ndarray, box: Box) -> float | None:
        """Similarity of ``box`` to the first box over the median of the recent boxes' (None without colours; 1 when
        the recent boxes share no colour with the first)."""
        value = self.similarity(frame, box)
        if value is None:
            return None
        reference = statistics.median(value for _, value in self._recent) if self._recent else 1.0
        return value / reference if reference > 0 else 1.0

    def accepts(self, relative: float | None, ratio: float) -> bool:
        """Whether a box of :meth:`relative_similarity` ``relative`` looks like the target: at least ``ratio`` (always
        with the check off or before the first box)."""
        return ratio <= 0 or self._template is None or (relative is not None and relative >= ratio)
