"""Loss-and-recovery test sequences built from real frames, and the measures of how a track comes back.

A *camera jerk* shifts every frame from some index on by (dx, dy) pixels (uncovered pixels black), so the target
leaves the tracker's search window at once; a *black-out* paints the target's box black for some frames. Both
carry the boxes the target has on the changed frames, so that a track can be scored against them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

import numpy as np

from smat_ros.crop import Box, box_iou
from smat_ros.follow.states import TrackState

WRONG_IOU = 0.3  # a TRACKING box overlapping the truth less than this is on something else
BACK_IOU = 0.5  # a TRACKING box overlapping the truth at least this much is back on the target
HIDDEN_VISIBILITY = 0.3  # a synthetic target less visible than this (fraction of its box) cannot be seen


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Frames, the target's true boxes on them, and the first frame from which it can be found again."""

    name: str
    frames: list[np.ndarray]
    truth: list[Box]
    event_frame: int  # the jerk's frame, or the first frame after a black-out
    hidden: Collection[int] = frozenset()  # frames where the target cannot be seen


def shift_frame(frame: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``frame`` moved by (dx, dy) pixels; pixels with no source are black."""
    height, width = frame.shape[:2]
    out = np.zeros_like(frame)
    src_x, dst_x = slice(max(0, -dx), min(width, width - dx)), slice(max(0, dx), min(width, width + dx))
    src_y, dst_y = slice(max(0, -dy), min(height, height - dy)), slice(max(0, dy), min(height, height + dy))
    out[dst_y, dst_x] = frame[src_y, src_x]
    return out


def camera_jerk(name: str, frames: Sequence[np.ndarray], truth: Sequence[Box], start: int,
                dx: int, dy: int) -> Scenario:
    """Frames from ``start`` on shifted by (dx, dy), with the true boxes shifted alike."""
    moved = [f if i < start else shift_frame(f, dx, dy) for i, f in enumerate(frames)]
    boxes = [b if i < start else (b[0] + dx, b[1] + dy, b[2], b[3]) for i, b in enumerate(truth)]
    return Scenario(name, moved, boxes, start)


def black_out(name: str, frames: Sequence[np.ndarray], truth: Sequence[Box], start: int, count: int,
              margin: float = 0.15) -> Scenario:
    """The target's box (grown by ``margin`` of its size each side) painted black on ``count`` frames from ``start``."""
    out = []
    for i, frame in enumerate(frames):
        if start <= i < start + count:
            x, y, w, h = truth[i]
            frame = frame.copy()
            x1, y1 = max(0, int(x - margin * w)), max(0, int(y - margin * h))
            x2, y2 = int(np.ceil(x + (1 + margin) * w)), int(np.ceil(y + (1 + margin) * h))
            frame[y1:y2, x1:x2] = 0
        out.append(frame)
    return Scenario(name, out, list(truth), start + count, range(start, start + count))


@dataclasses.dataclass(frozen=True)
class Recovery:
    """How a track came back after a scenario's event."""

    frames_to_reacquire: int | None  # frames from the event to the first TRACKING box with IoU >= 0.5 (None: never)
    wrong_frames: int  # TRACKING frames after a re-acquisition onto something else (IoU < WRONG_IOU, or hidden)
    stale_frames: int  # other TRACKING frames off the target: the network drifted and the loss was not yet seen
    lost_frames: int  # frames reported LOST


def wrong_target_frames(states: Sequence[TrackState], boxes: Sequence[Box], truth: Sequence[Box],
                        hidden: Collection[int] = frozenset()) -> list[bool]:
    """Per frame (frame 0 = initialization): whether it is a TRACKING frame of a stretch that began with a
    re-acquisition (LOST, then TRACKING) onto something else (IoU < WRONG_IOU, or the target hidden); such a stretch
    lasts until the next LOST: a follow-me robot would chase someone else all that time."""
    flags, snapped = [], False
    for i, (state, box, true) in enumerate(zip(states, boxes, truth, strict=True)):
        if state == TrackState.TRACKING and i > 0 and states[i - 1] == TrackState.LOST:
            snapped = i in hidden or box_iou(box, true) < WRONG_IOU
        snapped = snapped and state == TrackState.TRACKING
        flags.append(snapped)
    return flags


def score_recovery(states: Sequence[TrackState], boxes: Sequence[Box], truth: Sequence[Box], event_frame: int,
                   hidden: Collection[int] = frozenset()) -> Recovery:
    """Measure a track (per-frame states and boxes, frame 0 = initialization) against the true boxes.

    TRACKING frames in a stretch after a re-acquisition onto something else are *wrong*
    (:func:`wrong_target_frames`). Off-target TRACKING frames outside such stretches are the network's own drift
    (also without re-acquisition) until the state machine sees the loss.
    """
    back = None
    wrong = stale = 0
    flags = wrong_target_frames(states, boxes, truth, hidden)
    for i, (state, box, true) in enumerate(zip(states, boxes, truth, strict=True)):
        if i == 0 or state != TrackState.TRACKING:
            continue
        off = i in hidden or box_iou(box, true) < WRONG_IOU
        wrong += int(flags[i])
        stale += int(off and not flags[i])
        if back is None and i >= event_frame and not off and box_iou(box, true) >= BACK_IOU:
            back = i - event_frame
    lost = sum(1 for s in states if s == TrackState.LOST)
    return Recovery(back, wrong, stale, lost)
