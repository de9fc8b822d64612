"""Distractors: what else the network scores high near the target, remembered so that a LOST target is not taken back
on one of them (the idea of keeping track of what not to track, as KeepTrack does, without a learned association).

While TRACKING, the score map of each frame's search crop is searched for peaks other than the target's: local maxima
of at least ``ratio`` x its peak and at least ``MIN_CELLS`` cells (about one target size) away from it. Their centres
are associated, nearest first, with the distractors already remembered (each moving at its own measured velocity) or
start new ones; a distractor not seen for ``memory_s`` (given with each call) is forgotten. While LOST, a candidate is
refused when it lies on a distractor seen on at least ``MIN_HITS`` frames (within ``GATE`` target sizes of its
predicted place, the gate growing with the time since it was seen), unless it is nearer to where the target itself is
expected.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import cv2
import numpy as np

from smat_ros.crop import Box, box_centre, map_box_back

MIN_CELLS = 4  # a distractor peak lies at least this many score-map cells (about a target size) from the target's
GATE = 0.6  # association and refusal radius in target sizes (sqrt(w h)); refusal: x (1 + seconds since seen)
MIN_HITS = 3  # a distractor refuses candidates once seen on this many frames (with 2, a glimpse of the men at the
# vtest sign post refused the person himself walking back past them)
MAX_PREDICTION_S = 1.0  # a distractor's place is predicted at its velocity for at most this long


def secondary_peaks(scores: np.ndarray, min_ratio: float,
                    min_cells: int = MIN_CELLS) -> list[tuple[int, int, float]]:
    """(row, column, score) of the local maxima of the score map ``scores`` [H, W] that reach ``min_ratio`` x its
    peak and lie at least ``min_cells`` cells (in rows or columns) from the peak."""
    scores = np.asarray(scores, dtype=np.float32)
    peak_row, peak_col = np.unravel_index(int(np.argmax(scores)), scores.shape)
    local = scores == cv2.dilate(scores, np.ones((3, 3), np.uint8))  # [H, W] local maxima (3x3)
    rows, cols = np.nonzero(local & (scores >= min_ratio * scores.max()))
    return [(int(r), int(c), float(scores[r, c])) for r, c in zip(rows, cols, strict=True)
            if max(abs(int(r) - peak_row), abs(int(c) - peak_col)) >= min_cells]


def cell_centre(row: int, col: int, offsets: np.ndarray, crop_box: Box, search_size: int,
                resize_factor: float) -> tuple[float, float]:
    """The frame position of score-map cell (row, col) refined by the offset map ``offsets`` [2, H, W] (x, y), for a
    search crop of ``search_size`` pixels taken around ``crop_box`` (x, y, w, h) at ``resize_factor``."""
    feat = offsets.shape[-1]
    scale = search_size / resize_factor  # the crop's side in frame pixels
    x = (col + float(offsets[0, row, col])) / feat * scale
    y = (row + float(offsets[1, row, col])) / feat * scale
    return box_centre(map_box_back((x, y, 0.0, 0.0), crop_box, search_size, resize_factor))


@dataclasses.dataclass
class Distractor:
    """A remembered distractor: where it was last seen (pixels), its velocity (pixels/s), when, how often."""

    x: float
    y: float
    stamp_s: float
    vx: float = 0.0
    vy: float = 0.0
    hits: int = 1

    def predict(self, stamp_s: float) -> tuple[float, float]:
        """Where it is expected at ``stamp_s`` (its velocity for at most MAX_PREDICTION_S)."""
        dt = min(max(stamp_s - self.stamp_s, 0.0), MAX_PREDICTION_S)
        return self.x + self.vx * dt, self.y + self.vy * dt


class DistractorMemory:
    """The distractors seen around the target while it was tracked."""

    def __init__(self) -> None:
        self.distractors: list[Distractor] = []

    def clear(self) -> None:
        """Forget every distractor (a new target)."""
        self.distractors.clear()

    def update(self, centres: Sequence[tuple[float, float]], stamp_s: float, size: float, memory_s: float) -> None:
        """Record the distractor centres seen on the frame at ``stamp_s`` around a target of ``size`` (sqrt(w h));
        distractors unseen for longer than ``memory_s``, or seen at a later stamp (the clock went back), are dropped."""
        self.distractors = [d for d in self.distractors if 0.0 <= stamp_s - d.stamp_s <= memory_s]
        matched: set[int] = set()
        for x, y in centres:
            near = [(math.dist(d.predict(stamp_s), (x, y)), i) for i, d in enumerate(self.distractors)
                    if i not in matched and d.stamp_s < stamp_s]
            near = [(distance, i) for distance, i in near if distance <= GATE * size]
            if not near:
                self.distractors.append(Distractor(x, y, stamp_s))
                matched.add(len(self.distractors) - 1)
                continue
            index = min(near)[1]
            matched.add(index)
            seen = self.distractors[index]
            dt = stamp_s - seen.stamp_s
            seen.vx, seen.vy = 0.5 * seen.vx + 0.5 * (x - seen.x) / dt, 0.5 * seen.vy + 0.5 * (y - seen.y) / dt
            seen.x, seen.y, seen.stamp_s, seen.hits = x, y, stamp_s, seen.hits + 1

    def refuses(self, centre: tuple[float, float], expected: tuple[float, float], stamp_s: float, size: float,
                memory_s: float) -> bool:
        """Whether a candidate at ``centre`` lies on a distractor seen within ``memory_s`` rather than where the
        target is ``expected``."""
        to_target = math.dist(centre, expected)
        for d in self.distractors:
            if d.hits < MIN_HITS or stamp_s - d.stamp_s > memory_s:
                continue
            distance = math.dist(centre, d.predict(stamp_s))
            if distance <= GATE * size * (1.0 + stamp_s - d.stamp_s) and distance <= to_target:
                return True
        return False

    def shift(self, dx: float, dy: float) -> None:
        """Move every distractor by the camera's image shift (dx, dy)."""
        for d in self.distractors:
            d.x, d.y = d.x + dx, d.y + dy
