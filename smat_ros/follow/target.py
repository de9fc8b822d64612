"""What a follow-me controller steers by, from the tracker's results: normalized centre and size, bearing, velocity.

:class:`TargetEstimator` turns each :class:`~smat_ros.tracker.TrackResult` (with the frame's stamp and size, and the
camera model when there is one) into a :class:`TargetEstimate`: the box in normalized image coordinates, the
bearing angles and unit ray (with intrinsics), and the velocity of the centre from a constant-velocity filter over
the stamps. While LOST it holds the last values seen, with ``visible`` false; while IDLE everything is zero.
The ROS node copies an estimate into ``smat_ros/FollowTarget`` field for field.
"""
from __future__ import annotations

import dataclasses

from smat_ros.crop import Box
from smat_ros.follow.geometry import CameraModel, box_bearing, normalized_center
from smat_ros.follow.motion import ConstantVelocityFilter, MotionConfig
from smat_ros.follow.states import TrackEvent, TrackState


@dataclasses.dataclass(frozen=True)
class TargetView:
    """Where the target is on one frame, as FollowTarget carries it (normalized image units, radians, seconds).

    The fields both ends of a FollowTarget share: :class:`TargetEstimate` (what the tracker side writes, with the
    score, image size, ray and velocity) and :class:`~smat_ros.follow.controller.TargetObservation` (what a
    controller reads, with the message's age and predicted centre) extend it, each with what only its side has.
    Every field but the stamp and the state is keyword-only.
    """

    stamp_s: float
    state: TrackState
    _: dataclasses.KW_ONLY
    seconds_since_seen: float = 0.0
    center_x_norm: float = 0.0
    center_y_norm: float = 0.0
    width_norm: float = 0.0
    height_norm: float = 0.0
    has_bearing: bool = False
    azimuth: float = 0.0
    elevation: float = 0.0
    angular_width: float = 0.0
    angular_height: float = 0.0


@dataclasses.dataclass(frozen=True)
class TargetEstimate(TargetView):
    """The target on one frame as the tracker side knows it: the view plus score, image size, ray and velocity."""

    _: dataclasses.KW_ONLY
    score: float = 0.0
    visible: bool = False
    image_width: int = 0
    image_height: int = 0
    ray: tuple[float, float, float] | None = None
    velocity_x_norm: float = 0.0
    velocity_y_norm: float = 0.0

    def predicted_center(self, time_s: float) -> tuple[float, float]:
        """The centre moved at the velocity to ``time_s`` while visible; the last known centre otherwise."""
        if not self.visible:
            return self.center_x_norm, self.center_y_norm
        dt = max(0.0, time_s - self.stamp_s)
        return self.center_x_norm + dt * self.velocity_x_norm, self.center_y_norm + dt * self.velocity_y_norm


class TargetEstimator:
    """Per-frame :class:`TargetEstimate` from tracker results; keeps the last seen values and the velocity filter."""

    def __init__(self, motion: MotionConfig = MotionConfig()) -> None:
        self._motion = ConstantVelocityFilter(motion)
        self._last: TargetEstimate | None = None

    def reset(self) -> None:
        """Forget the target (cleared, or a new one)."""
        self._motion.reset()
        self._last = None

    def idle(self, stamp_s: float) -> TargetEstimate:
        """The estimate with no target."""
        return TargetEstimate(stamp_s, TrackState.IDLE)

    def update(self, box: Box, score: float, state: TrackState, event: TrackEvent, seconds_since_seen: float,
               stamp_s: float, width: int, height: int, camera: CameraModel | None = None) -> TargetEstimate:
        """The estimate for a frame of ``width`` x ``height`` stamped ``stamp_s`` where the tracker gave ``box``."""
        if state == TrackState.IDLE:
            self.reset()
            return self.idle(stamp_s)
        if state != TrackState.TRACKING:
            if self._last is None:
                return TargetEstimate(stamp_s, state, score=score, seconds_since_seen=seconds_since_seen)
            return dataclasses.replace(self._last, stamp_s=stamp_s, state=state, score=score, visible=False,
                                       seconds_since_seen=seconds_since_seen)
        if event in (TrackEvent.STARTED, TrackEvent.REACQUIRED):
            self._motion.reset()  # found elsewhere: the old velocity says nothing about the new place
        cx, cy, w, h = normalized_center(box, width, height)
        self._motion.update(cx, cy, stamp_s)
        vx, vy = self._motion.velocity
        bearing = box_bearing(camera, box) if camera is not None else None
        self._last = TargetEstimate(
            stamp_s, state, score=score, visible=True, image_width=width, image_height=height,
            center_x_norm=cx, center_y_norm=cy, width_norm=w, height_norm=h, has_bearing=bearing is not None,
            azimuth=bearing.azimuth if bearing else 0.0, elevation=bearing.elevation if bearing else 0.0,
            angular_width=bearing.angular_width if bearing else 0.0,
            angular_height=bearing.angular_height if bearing else 0.0,
            ray=bearing.ray if bearing else None, velocity_x_norm=vx, velocity_y_norm=vy)
        return self._last
