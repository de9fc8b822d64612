"""The follow-me debug picture: box, state and score, the image centre, and the target's velocity as an arrow."""
from __future__ import annotations

import cv2
import numpy as np

from smat_ros.crop import Box, box_centre
from smat_ros.follow.states import TrackState
from smat_ros.follow.target import TargetEstimate
from smat_ros.video import draw_track

ARROW_HORIZON_S = 0.5  # the arrow points where the centre will be this many seconds later
CENTRE_COLOR = (255, 255, 255)
STATE_COLORS = {TrackState.TRACKING: (0, 255, 0), TrackState.LOST: (255, 64, 0), TrackState.IDLE: (255, 255, 0)}


def draw_follow(frame_rgb: np.ndarray, box: Box | None, label: str, score: float, color: tuple[int, int, int],
                velocity_px: tuple[float, float] | None = None) -> np.ndarray:
    """Copy of ``frame_rgb`` with the box and label, a cross at the image centre, and the velocity (px/s) arrow."""
    canvas = draw_track(frame_rgb, box, score, label=label, color=color)
    height, width = canvas.shape[:2]
    cx, cy, arm = width // 2, height // 2, max(6, min(width, height) // 40)
    cv2.line(canvas, (cx - arm, cy), (cx + arm, cy), CENTRE_COLOR, 1, cv2.LINE_AA)
    cv2.line(canvas, (cx, cy - arm), (cx, cy + arm), CENTRE_COLOR, 1, cv2.LINE_AA)
    if box is not None and velocity_px is not None:
        start = np.array(box_centre(box))
        end = start + ARROW_HORIZON_S * np.asarray(velocity_px, dtype=np.float64)
        if np.all(np.isfinite(end)):
            end = np.clip(end, -4 * width, 4 * width)
            cv2.arrowedLine(canvas, tuple(int(round(v)) for v in start), tuple(int(round(v)) for v in end),
                            color, 2, cv2.LINE_AA, tipLength=0.25)
    return canvas


def draw_state(frame_rgb: np.ndarray, box: Box | None, state: TrackState, score: float,
               estimate: TargetEstimate | None = None) -> np.ndarray:
    """Copy of ``frame_rgb`` with the box, state and score in the state's colour, the image centre and, while the
    target is visible, its velocity."""
    velocity = None
    if estimate is not None and estimate.visible:
        height, width = frame_rgb.shape[:2]
        velocity = (estimate.velocity_x_norm * 0.5 * width, estimate.velocity_y_norm * 0.5 * height)  # px/s
    return draw_follow(frame_rgb, box, state.name, score, STATE_COLORS[state], velocity)
