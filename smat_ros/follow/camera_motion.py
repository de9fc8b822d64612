"""Camera-motion compensation: the global image shift between consecutive frames, and whether to believe it.

A moving camera (a drone, a pan-tilt head, a robot turning) moves the whole image; a jerk larger than the tracker's
search window loses the target although it did not move. The shift is estimated by phase correlation
(``cv2.phaseCorrelate``) on grayscale frames downscaled to ``WORK_WIDTH`` pixels, and is believed only when

- the correlation peak (``confidence``, in [0, 1]: 1 for a pure translation, near 0 for unrelated images) is at least
  ``min_confidence``, and
- the shift explains the images: on the pixels the two frames share after the shift, the mean absolute difference
  is at most ``RESIDUAL_RATIO`` times the difference with no shift at all. A static camera with people walking gives
  a peak at (about) zero or a sub-pixel one that makes the difference worse: no shift is reported.

Frames without texture (black frames, a covered lens) give confidence 0.
"""
from __future__ import annotations

import dataclasses
import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

WORK_WIDTH = 320  # frames are downscaled to this width (smaller ones are used as they are)
RESIDUAL_RATIO = 0.5  # the shifted frames must differ at most this much, relative to the unshifted ones
MIN_TEXTURE = 2.0  # grey-level standard deviation below which a frame has nothing to correlate


@dataclasses.dataclass(frozen=True)
class CameraShift:
    """The image shift (dx, dy) in frame pixels from the previous frame to this one: content at (x, y) moved to
    (x + dx, y + dy). ``accepted``: believed (confident and explaining the images); otherwise treat it as (0, 0)."""

    dx: float = 0.0
    dy: float = 0.0
    confidence: float = 0.0
    accepted: bool = False

    @property
    def applied(self) -> tuple[float, float]:
        """The shift to compensate: (dx, dy) when accepted, else (0, 0)."""
        return (self.dx, self.dy) if self.accepted else (0.0, 0.0)


class CameraMotionEstimator:
    """Feed every frame with :meth:`update`; each call returns the shift from the previous frame."""

    def __init__(self, min_confidence: float = 0.1) -> None:
        self.min_confidence = min_confidence
        self._previous: np.ndarray | None = None  # (h, w) float32, downscaled grey
        self._scale = 1.0  # downscaled pixels per frame pixel
        self._shape: tuple[int, ...] = ()
        self._window: np.ndarray | None = None  # (h, w) float32 Hann window for the correlation

    def reset(self) -> None:
        """Forget the previous frame (the next update returns no shift)."""
        self._previous = None

    def update(self, frame: np.ndarray) -> CameraShift:
        """The shift from the previous frame to ``frame`` (HxWx3 uint8 RGB); ``frame`` becomes the previous one."""
        if frame.shape != self._shape:
            self._shape = frame.shape
            self._previous = None
        current = self._grey(frame)
        previous, self._previous = self._previous, current
        if previous is None or min(float(previous.std()), float(current.std())) < MIN_TEXTURE:
            return CameraShift()
        # phaseCorrelate windows its inputs in place: give it copies, the residual test needs the originals
        (dx, dy), peak = cv2.phaseCorrelate(previous.copy(), current.copy(), self._window)
        confidence = float(min(max(peak, 0.0), 1.0))
        if not np.isfinite(dx) or not np.isfinite(dy):
            return CameraShift()
        shift = CameraShift(dx / self._scale, dy / self._scale, confidence)
        if confidence < self.min_confidence or not explains(previous, current, round(dx), round(dy)):
            return shift
        log.debug("camera moved by (%.1f, %.1f) px, confidence %.2f", shift.dx, shift.dy, confidence)
        return dataclasses.replace(shift, accepted=True)

    def _grey(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` as float32 grey at the working width; sets the scale and the window for its size."""
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        height, width = grey.shape
        self._scale = min(1.0, WORK_WIDTH / width)
        if self._scale < 1.0:
            size = (WORK_WIDTH, max(1, round(height * self._scale)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        grey = grey.astype(np.float32)
        if self._window is None or self._window.shape != grey.shape:
            self._window = cv2.createHanningWindow((grey.shape[1], grey.shape[0]), cv2.CV_32F)
        return grey


def explains(previous: np.ndarray, current: np.ndarray, dx: int, dy: int) -> bool:
    """Whether shifting ``previous`` by whole pixels (dx, dy) matches ``current`` much better than no shift."""
    height, width = current.shape
    if (dx, dy) == (0, 0) or abs(dx) >= width or abs(dy) >= height:
        return False
    moved = previous[max(0, -dy):height - max(0, dy), max(0, -dx):width - max(0, dx)]
    target = current[max(0, dy):height - max(0, -dy), max(0, dx):width - max(0, -dx)]
    still = float(np.mean(np.abs(previous - current)))
    return float(np.mean(np.abs(moved - target))) <= RESIDUAL_RATIO * still
