"""How well a camera kept a person in view: the follow-me demo's summary numbers.

- centred fraction: frames in which the true target's centre lies in the central 30 % of the image width
  (|normalized x| <= 0.3, normalized x in [-1, 1] with 0 at the centre);
- mean absolute normalized error: the mean of |normalized x| of the true centre, a target out of view (or behind
  the camera) counting as 1 (the image edge);
- LOST episodes: runs of consecutive frames in which the tracker reported LOST, with their lengths in frames.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from smat_ros.errors import InputError

CENTRAL_BAND = 0.3  # half-width of the central 30 % of the image, in normalized units (the image is 2 wide)
LOST = 2  # smat_ros/TrackStatus LOST


@dataclasses.dataclass(frozen=True)
class FollowSummary:
    """Numbers of one run of a scenario."""

    frames: int
    centred_fraction: float
    mean_abs_error: float
    lost_episodes: tuple[int, ...]
    fps: float

    def line(self, label: str) -> str:
        """One line for the demo's summary."""
        episodes = ", ".join(str(length) for length in self.lost_episodes) or "none"
        return (f"{label}: {self.frames} frames, target in the central 30 %: {100 * self.centred_fraction:.1f} % of "
                f"frames, mean |normalized error| {self.mean_abs_error:.3f}, LOST episodes: "
                f"{len(self.lost_episodes)} (frames: {episodes}), {self.fps:.1f} fps")


def error_of(center_x_norm: float) -> float:
    """|normalized x| of a true centre, 1 when it is out of view or undefined (NaN)."""
    return 1.0 if math.isnan(center_x_norm) else min(abs(center_x_norm), 1.0)


def lost_episodes(states: Sequence[int]) -> tuple[int, ...]:
    """Lengths (frames) of the runs of consecutive LOST states."""
    lengths, run = [], 0
    for state in states:
        if state == LOST:
            run += 1
        elif run:
            lengths.append(run)
            run = 0
    if run:
        lengths.append(run)
    return tuple(lengths)


def summarize(true_center_x_norm: Sequence[float], states: Sequence[int], seconds: float) -> FollowSummary:
    """The summary of a run from the true target centre and the tracker's state per frame and its duration."""
    if len(true_center_x_norm) != len(states):
        raise InputError(f"{len(true_center_x_norm)} true centres but {len(states)} states")
    frames = len(states)
    if frames == 0:
        raise InputError("no frames to summarize")
    errors = [error_of(value) for value in true_center_x_norm]
    centred = sum(error <= CENTRAL_BAND for error in errors)
    return FollowSummary(frames, centred / frames, sum(errors) / frames, lost_episodes(states),
                         frames / seconds if seconds > 0 else math.inf)
