"""Track states IDLE / TRACKING / LOST with hysteresis both ways, a LOST timeout and transition events.

A frame's score is *low* when it is below ``lost_score_threshold`` or below ``lost_score_ratio`` times the track's
reference score (the median of its recent accepted scores); TRACKING turns LOST after ``lost_after_frames``
consecutive low frames. A score *passes* when it is at or above ``found_score_threshold`` and at or above
``found_score_ratio`` times the reference. While LOST, a candidate starts with a passing score and holds while its
scores are not low; LOST turns TRACKING once one candidate has held for ``found_after_frames`` consecutive frames
with a mean score that passes (one frame of a look-alike that happens
to score high is not enough, and neither is a stranger that scores high once). Relative thresholds let one
configuration serve networks whose scores are calibrated differently (the demo weights give 0.35-0.45 on
background and 0.5-0.65 on the person). Times are the frames' stamps in seconds (header stamps in the node), never
the wall clock.
"""
from __future__ import annotations

import collections
import dataclasses
import enum
import statistics

from smat_ros.config import ConfigError


class TrackState(enum.IntEnum):
    """State of a track (the values of smat_ros/msg/TrackStatus's state constants)."""

    IDLE = 0
    TRACKING = 1
    LOST = 2


class TrackEvent(enum.IntEnum):
    """What happened on a frame (the values of TrackStatus's EVENT_* constants)."""

    NONE = 0
    STARTED = 1
    LOST = 2
    REACQUIRED = 3
    TIMED_OUT = 4
    CLEARED = 5


@dataclasses.dataclass(frozen=True)
class StateConfig:
    """Thresholds of the state machine (absolute scores in [0, 1]; ratios of the reference score, 0 = off)."""

    lost_score_threshold: float = 0.25
    lost_score_ratio: float = 0.8
    lost_after_frames: int = 3
    found_score_threshold: float = 0.5
    found_score_ratio: float = 0.9
    found_after_frames: int = 2
    target_timeout_s: float = 0.0
    reference_frames: int = 15

    def __post_init__(self) -> None:
        """Reject thresholds outside their ranges and a found threshold below the lost one."""
        for name in ("lost_score_threshold", "found_score_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"StateConfig.{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("lost_score_ratio", "found_score_ratio"):
            if not 0.0 <= getattr(self, name) <= 2.0:
                raise ConfigError(f"StateConfig.{name} must be in [0, 2] (0 = off), got {getattr(self, name)}")
        for name in ("lost_after_frames", "found_after_frames", "reference_frames"):
            if getattr(self, name) < 1:
                raise ConfigError(f"StateConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.target_timeout_s < 0:
            raise ConfigError(f"StateConfig.target_timeout_s must be >= 0 (0 = never), got {self.target_timeout_s}")
        if self.found_score_threshold < self.lost_score_threshold:
            raise ConfigError(f"StateConfig.found_score_threshold ({self.found_score_threshold}) must be >= "
                              f"lost_score_threshold ({self.lost_score_threshold})")
        if self.found_score_ratio and self.found_score_ratio < self.lost_score_ratio:
            raise ConfigError(f"StateConfig.found_score_ratio ({self.found_score_ratio}) must be >= "
                              f"lost_score_ratio ({self.lost_score_ratio}) or 0")


@dataclasses.dataclass(frozen=True)
class StateUpdate:
    """The state after one frame, the event of that frame and the seconds since the target was last seen."""

    state: TrackState
    event: TrackEvent = TrackEvent.NONE
    seconds_since_seen: float = 0.0
    reason: str = ""

    @property
    def visible(self) -> bool:
        """Whether the target is seen on this frame (TRACKING)."""
        return self.state == TrackState.TRACKING


class TrackStateMachine:
    """IDLE / TRACKING / LOST from per-frame scores and stamps (seconds), with hysteresis both ways."""

    def __init__(self, config: StateConfig = StateConfig()) -> None:
        self.config = config
        self.state = TrackState.IDLE
        self._scores: collections.deque[float] = collections.deque(maxlen=config.reference_frames)
        self._low_frames = 0
        self._candidate_scores: list[float] = []
        self._last_seen_s: float | None = None

    def reconfigure(self, config: StateConfig) -> None:
        """Use new thresholds from the next frame on; the state, counts and recent scores are kept."""
        self.config = config
        self._scores = collections.deque(self._scores, maxlen=config.reference_frames)

    @property
    def reference_score(self) -> float | None:
        """Median of the recent accepted scores of this track (None before the first one)."""
        return statistics.median(self._scores) if self._scores else None

    def lost_threshold(self) -> float:
        """The score below which a frame is low for this track now."""
        reference = self.reference_score
        relative = self.config.lost_score_ratio * reference if reference is not None else 0.0
        return max(self.config.lost_score_threshold, relative)

    def found_threshold(self) -> float:
        """The score a candidate must reach to count towards re-acquisition now."""
        reference = self.reference_score
        relative = self.config.found_score_ratio * reference if reference is not None else 0.0
        return max(self.config.found_score_threshold, relative)

    def is_low(self, score: float) -> bool:
        """Whether ``score`` counts towards losing the target."""
        return score < self.lost_threshold()

    def passes(self, score: float) -> bool:
        """Whether ``score`` is high enough to start a re-acquisition candidate."""
        return score >= self.found_threshold()

    def holds(self, score: float) -> bool:
        """Whether ``score`` keeps a re-acquisition candidate going (not low; its mean must still pass)."""
        return not self.is_low(score)

    def accepts(self, score: float, new_candidate: bool) -> bool:
        """Whether a LOST-time score starts (``new_candidate``) or continues a candidate."""
        return self.passes(score) if new_candidate or not self._candidate_scores else self.holds(score)

    def seconds_since_seen(self, stamp_s: float) -> float:
        """Seconds from the last frame the target was seen to ``stamp_s`` (0 while TRACKING)."""
        if self.state == TrackState.TRACKING or self._last_seen_s is None:
            return 0.0
        return max(0.0, stamp_s - self._last_seen_s)

    def start(self, stamp_s: float) -> StateUpdate:
        """A new target was set on the frame stamped ``stamp_s``: TRACKING with a fresh reference."""
        self._scores.clear()
        self._low_frames = 0
        self._candidate_scores = []
        self._last_seen_s = stamp_s
        self.state = TrackState.TRACKING
        return StateUpdate(self.state, TrackEvent.STARTED)

    def clear(self, reason: str = "") -> StateUpdate:
        """The target was dropped (by the user or the caller): IDLE."""
        had_target = self.state != TrackState.IDLE
        self.state = TrackState.IDLE
        self._last_seen_s = None
        return StateUpdate(self.state, TrackEvent.CLEARED if had_target else TrackEvent.NONE, reason=reason)

    def update(self, score: float | None, stamp_s: float, new_candidate: bool = False,
               extra_frames: int = 0) -> StateUpdate:
        """Apply one frame's score (None: nothing found); ``new_candidate``: it is elsewhere than last frame's;
        ``extra_frames``: this candidate must hold that many frames more than found_after_frames."""
        if self.state == TrackState.TRACKING:
            return self._update_tracking(score, stamp_s)
        if self.state == TrackState.LOST:
            return self._update_lost(score, stamp_s, new_candidate, extra_frames)
        return StateUpdate(self.state)

    def _update_tracking(self, score: float | None, stamp_s: float) -> StateUpdate:
        """TRACKING: count consecutive low frames; LOST after lost_after_frames of them."""
        if score is not None and not self.is_low(score):
            self._low_frames = 0
            self._scores.append(score)
            self._last_seen_s = stamp_s
            return StateUpdate(self.state)
        self._low_frames += 1
        if self._low_frames < self.config.lost_after_frames:
            return StateUpdate(self.state)
        self.state = TrackState.LOST
        self._candidate_scores = []
        return StateUpdate(self.state, TrackEvent.LOST, self.seconds_since_seen(stamp_s),
                           f"score below {self.lost_threshold():.3f} for {self._low_frames} frames")

    def lose(self, stamp_s: float, last_seen_s: float, reason: str) -> StateUpdate:
        """TRACKING -> LOST now, for a reason other than low scores; the target was last seen at ``last_seen_s``."""
        if self.state != TrackState.TRACKING:
            return StateUpdate(self.state, TrackEvent.NONE, self.seconds_since_seen(stamp_s))
        self.state = TrackState.LOST
        self._low_frames = 0
        self._candidate_scores = []
        self._last_seen_s = min(last_seen_s, stamp_s)
        return StateUpdate(self.state, TrackEvent.LOST, self.seconds_since_seen(stamp_s), reason)

    def _update_lost(self, score: float | None, stamp_s: float, new_candidate: bool, extra_frames: int) -> StateUpdate:
        """LOST: follow one candidate's scores; TRACKING when it held found_after_frames frames and passes; timeout."""
        if score is not None and self.accepts(score, new_candidate):
            self._candidate_scores = ([] if new_candidate else self._candidate_scores) + [score]
        else:
            self._candidate_scores = []
        needed = self.config.found_after_frames + extra_frames
        recent = self._candidate_scores[-needed:]
        if len(recent) >= needed and self.passes(statistics.fmean(recent)):
            self.state = TrackState.TRACKING
            self._low_frames = 0
            self._last_seen_s = stamp_s
            return StateUpdate(self.state, TrackEvent.REACQUIRED)
        unseen = self.seconds_since_seen(stamp_s)
        timeout = self.config.target_timeout_s
        if timeout > 0 and unseen > timeout:
            self.state = TrackState.IDLE
            return StateUpdate(self.state, TrackEvent.TIMED_OUT, unseen,
                               f"target lost for {unseen:.2f} s (> target_timeout_s {timeout:g} s): dropped")
        return StateUpdate(self.state, TrackEvent.NONE, unseen)
