"""Re-acquisition search while a target is LOST: tiles over the whole image at the target's last and nearby scales.

The search plan is pure geometry: square search crops (side = sqrt(w*h) * search_factor, as the tracker's own
window) centred on a grid around the place the target is expected, nearest rings first, at its usual scale (the
median size of its recent boxes) and then at the neighbouring scales. The search centre is where the target is
expected now: its last box moved at its last velocity (for at most ``max_prediction_s``, and kept inside the frame),
so that a walker hidden for a while is looked for ahead of where it disappeared.

Each LOST frame the tracker runs the normal window at the current candidate (or where the target is expected) and
then ``budget`` tiles, so that a frame costs at most ``1 + budget`` network runs:

- a tile's peak only *proposes* a candidate (score >= ``proposal_ratio`` x the track's recent median, similar size
  and colours); the normal window centred on it checks it on the next frames, at the scores a tracking step gives;
- a normal-window detection counts towards re-acquisition when it passes the state machine's score tests, the size
  and colour tests, and the network run backwards (``Tracker.verify``: the candidate as the template, searched for
  on the first frame) finds the first box with IoU >= ``verify_iou`` and a score >= ``verify_ratio`` x the recent
  median. That check costs one network run, taken from the frame's tile budget.

A candidate that passes these tests may still be a look-alike: with ``association_min`` > 0 the association model
(:mod:`smat_ros.follow.association`) weighs where it is against where the target is expected, its size, colours
and score, and a candidate less likely than ``association_min`` to be the target is refused. Its distance cue
assumes a still camera or ``camera_motion``: a jerk of a moving camera otherwise looks like a jump.

Candidates on a *distractor* (another peak of the score map seen near the target while it was tracked, remembered
for ``distractor_memory_s``: :mod:`smat_ros.follow.distractors`) are refused.

With ``camera_motion`` on, every frame first estimates the camera's image shift from the previous frame
(:mod:`smat_ros.follow.camera_motion`) and, when it is believed, moves the track with it (the box, the last seen
box, the candidate and the motion filter) before the normal window runs: a camera jerk larger than the search
window no longer loses the target.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from smat_ros.config import ConfigError
from smat_ros.crop import Box, box_centre


@dataclasses.dataclass(frozen=True)
class ReacquireConfig:
    """Re-acquisition search settings."""

    budget: int = 1  # extra network runs per LOST frame (1: a LOST frame costs about 2 normal steps)
    scales: tuple[float, ...] = (1.0, 0.8, 1.25)  # box sizes searched, relative to the last seen box, in order
    tile_step: float = 0.75  # spacing of the tiles as a fraction of the search crop's side
    max_size_change: float = 1.5  # a candidate's width and height must be within this factor of the last seen box
    max_prediction_s: float = 2.0  # the search centre follows the target's last velocity for at most this long
    far_extra_frames: int = 1  # a candidate found by a tile (away from where the target is expected) holds longer
    appearance_ratio: float = 0.85  # a candidate's colours must be this similar to the target's, relative (0: off)
    proposal_ratio: float = 0.7  # a tile's peak proposes a candidate at this times the recent median score
    verify_iou: float = 0.5  # run backwards from a candidate, the network must find the first box this well (0: off)
    verify_ratio: float = 0.7  # ... with a score of at least this times the track's recent median score
    drift_check_every: int = 0  # while TRACKING, run that backward check on the box every this many frames (0: off)
    drift_after_checks: int = 2  # this many failed checks in a row: TRACKING -> LOST (the network follows another)
    distractor_ratio: float = 0.6  # refuse candidates on other score-map peaks >= this x the target's (0: off)
    distractor_memory_s: float = 3.0  # ... peaks seen while TRACKING, forgotten after this long unseen
    association_min: float = 0.0  # refuse candidates the association model gives a lower probability (0: off)
    association_model: str = ""  # ... that model's JSON file ("": the one fitted with the demo weights)
    camera_motion: bool = False  # move the search (and the track) with the camera's image shift (moving cameras)
    camera_motion_confidence: float = 0.1  # ... when the shift's phase-correlation peak is at least this

    def __post_init__(self) -> None:
        """Reject values that would make the search empty or endless."""
        if self.budget < 0:
            raise ConfigError(f"ReacquireConfig.budget must be >= 0, got {self.budget}")
        if not self.scales or any(not 0.1 <= s <= 10.0 for s in self.scales):
            raise ConfigError(f"ReacquireConfig.scales must be a non-empty list of factors in [0.1, 10], "
                              f"got {self.scales}")
        if not 0.1 <= self.tile_step <= 1.0:
            raise ConfigError(f"ReacquireConfig.tile_step must be in [0.1, 1], got {self.tile_step}")
        if not 0.0 <= self.appearance_ratio <= 1.0:
            raise ConfigError(f"ReacquireConfig.appearance_ratio must be in [0, 1] (0 = off), "
                              f"got {self.appearance_ratio}")
        for name in ("proposal_ratio", "verify_iou", "verify_ratio", "camera_motion_confidence", "distractor_ratio",
                     "association_min"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"ReacquireConfig.{name} must be in [0, 1], got {getattr(self, name)}")
        if self.drift_check_every < 0 or self.drift_after_checks < 1:
            raise ConfigError(f"ReacquireConfig.drift_check_every must be >= 0 and drift_after_checks >= 1, got "
                              f"{self.drift_check_every} and {self.drift_after_checks}")
        if self.far_extra_frames < 0:
            raise ConfigError(f"ReacquireConfig.far_extra_frames must be >= 0, got {self.far_extra_frames}")
        if self.distractor_memory_s < 0:
            raise ConfigError(f"ReacquireConfig.distractor_memory_s must be >= 0, got {self.distractor_memory_s}")
        if self.max_prediction_s < 0:
            raise ConfigError(f"ReacquireConfig.max_prediction_s must be >= 0, got {self.max_prediction_s}")
        if self.max_size_change < 1.0:
            raise ConfigError(f"ReacquireConfig.max_size_change must be >= 1, got {self.max_size_change}")


# following a person (docs/follow.md): the drift check, camera-motion compensation and the candidate association
FOLLOW_ME = ReacquireConfig(drift_check_every=2, association_min=0.1, camera_motion=True)


def tile_offsets(frame_shape: Sequence[int], box: Box, search_factor: float, scales: Sequence[float],
                 tile_step: float) -> list[tuple[float, int, int]]:
    """(scale, i, j) of the tiles whose crops cover the frame from anywhere in it, in search order.

    Tile (i, j) is centred ``(i, j) * stride`` from the search centre (stride = tile_step x crop side at that scale).
    At the last scale the nearest ring comes first and is searched again before each wider ring (1; 1, 2; 1, 2, 3;
    ...), since a target usually reappears near where it was lost; the neighbouring scales follow, nearest first.
    The normal window (0, 0 at the last scale) is left out: it is run on every frame anyway.
    """
    height, width = frame_shape[0], frame_shape[1]
    order: list[tuple[float, int, int]] = []
    for number, scale in enumerate(scales):
        side = math.sqrt(box[2] * box[3]) * scale * search_factor
        reach_x = math.ceil(width / (side * tile_step))  # tiles needed to cross the frame from any point in it
        reach_y = math.ceil(height / (side * tile_step))
        spots = sorted((max(abs(i), abs(j)), math.hypot(i, j), i, j)
                       for i in range(-reach_x, reach_x + 1) for j in range(-reach_y, reach_y + 1)
                       if (i, j) != (0, 0) or scale != 1.0)
        if number == 0:
            for radius in range(1, max(reach_x, reach_y) + 1):
                order.extend((scale, i, j) for ring, _, i, j in spots if ring <= radius)
        else:
            order.extend((scale, i, j) for _, _, i, j in spots)
    return order


def tile_box(centre_box: Box, scale: float, i: int, j: int, search_factor: float, tile_step: float) -> Box:
    """The box (at ``scale`` of ``centre_box``'s size) whose search crop is tile (i, j) around ``centre_box``."""
    w, h = centre_box[2] * scale, centre_box[3] * scale
    stride = math.sqrt(w * h) * search_factor * tile_step
    cx = centre_box[0] + 0.5 * centre_box[2] + i * stride
    cy = centre_box[1] + 0.5 * centre_box[3] + j * stride
    return (cx - 0.5 * w, cy - 0.5 * h, w, h)


def crop_overlaps(box: Box, frame_shape: Sequence[int], search_factor: float, tile_step: float) -> bool:
    """Whether the tile's centre lies within half a stride of the frame (tiles further out see only padding)."""
    half = 0.5 * math.sqrt(box[2] * box[3]) * search_factor * tile_step
    cx, cy = box_centre(box)
    return -half < cx < frame_shape[1] + half and -half < cy < frame_shape[0] + half


def similar_size(box: Box, reference: Box, max_change: float) -> bool:
    """Whether ``box``'s width and height are each within a factor ``max_change`` of ``reference``'s."""
    return all(1.0 / max_change <= a / b <= max_change for a, b in ((box[2], reference[2]), (box[3], reference[3])))


class ReacquisitionSearch:
    """The tiles still to try for one LOST episode, a budget at a time, around where the target is expected now."""

    def __init__(self, config: ReacquireConfig, search_factor: float) -> None:
        self.config = config
        self.search_factor = search_factor
        self._order: list[tuple[float, int, int]] = []
        self._next = 0

    def start(self, frame_shape: Sequence[int], last_seen: Box) -> None:
        """Plan the search order for a target last seen at ``last_seen`` on frames of ``frame_shape``."""
        c = self.config
        self._order = tile_offsets(frame_shape, last_seen, self.search_factor, c.scales, c.tile_step)
        self._next = 0

    @property
    def tile_count(self) -> int:
        """Tiles in one pass of the plan (rings near the centre are visited more than once)."""
        return len(self._order)

    def next_tiles(self, frame_shape: Sequence[int], centre_box: Box, count: int) -> list[Box]:
        """The next ``count`` tiles of the plan around ``centre_box`` that see the frame (cycling at the end)."""
        chosen: list[Box] = []
        for _ in range(len(self._order)):
            if len(chosen) >= count:
                break
            scale, i, j = self._order[self._next]
            self._next = (self._next + 1) % len(self._order)
            box = tile_box(centre_box, scale, i, j, self.search_factor, self.config.tile_step)
            if crop_overlaps(box, frame_shape, self.search_factor, self.config.tile_step):
                chosen.append(box)
        return chosen
