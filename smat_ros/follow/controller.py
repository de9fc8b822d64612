"""A follow-me control law: velocity commands from the tracked target, with dead bands, limits and safe stops.

ROS-free: the ``follow_controller`` node (``smat_ros/ros/follow_controller.py``) turns FollowTarget messages into
:class:`TargetObservation` and publishes the :class:`Command` it gets back as geometry_msgs/Twist. Conventions are
REP-103's: ``yaw_rate`` (Twist angular.z) positive turns left, ``pitch_rate`` (angular.y) positive pitches the
camera down, ``forward`` (linear.x) positive drives ahead. A target to the right (azimuth > 0) turns the robot right.

Rules, in order of priority:

- no observation yet, none received for ``stale_s`` (the node's clock), or one whose image is older than
  ``stale_s`` when published (its ``age_s``): stop (all zero);
- tracker IDLE: stop;
- LOST for at most ``lost_stop_s`` (image stamps): coast, keeping the last yaw and pitch rates while the forward
  speed ramps down; LOST for longer: stop, or, with ``search_yaw_rate`` > 0, turn in place at that rate towards the
  side the target was last seen on, for at most ``search_timeout_s``;
- TRACKING: yaw rate proportional to the azimuth (``yaw_gain``, rad/s per rad) or, without camera info, to the
  normalized horizontal centre (``yaw_gain_norm``); forward speed proportional to the relative error of the
  apparent height against ``desired_height``; both zero inside their dead bands. The centre predicted by the
  tracker to its publish time is used when ``use_prediction`` and the prediction reaches at most
  ``max_prediction_s`` ahead;
- TRACKING again after LOST (a re-acquisition: the same ``track_id``), for ``reacquired_hold_s`` from the stamp of
  the first TRACKING image: turn only (yaw and pitch follow as above, the forward speed ramps down to and stays at
  zero) until the track has held that long, so that a robot whose tracker took a look-alike turns towards it but does
  not drive after it; a new target (TRACKING after IDLE, or a new ``track_id``) is followed at once.

Every command obeys the speed limits. Moving commands (follow, coast, search) also obey the acceleration limits over
the time between the images they answer (at most ``MAX_STEP_S``); stops are immediate.
"""
from __future__ import annotations

import dataclasses
import enum
import math

from smat_ros.errors import ConfigError
from smat_ros.follow.states import TrackState
from smat_ros.follow.target import TargetView

MAX_STEP_S = 0.25  # longest time step the acceleration limits grant to one command


class Mode(str, enum.Enum):
    """Why a command is what it is."""

    FOLLOW = "follow"
    COAST = "coast"
    SEARCH = "search"
    CONFIRM = "follow: turning only, target just re-acquired"
    STOP_MISSING = "stop: no target message yet"
    STOP_STALE = "stop: target messages stale"
    STOP_IDLE = "stop: tracker idle"
    STOP_LOST = "stop: target lost"
    STOP_INVALID = "stop: invalid target message"


@dataclasses.dataclass(frozen=True)
class ControllerConfig:
    """Gains, dead bands, limits and safety times of the follow-me controller (SI units, radians)."""

    yaw_gain: float = 2.0
    yaw_gain_norm: float = 1.0
    yaw_dead_band: float = 0.02
    yaw_dead_band_norm: float = 0.03
    max_yaw_rate: float = 1.0
    max_yaw_accel: float = 4.0
    pitch_gain: float = 0.0
    max_pitch_rate: float = 0.5
    max_pitch_accel: float = 2.0
    desired_height: float = 0.5
    forward_gain: float = 1.0
    size_dead_band: float = 0.1
    max_forward_speed: float = 0.5
    max_reverse_speed: float = 0.0
    max_forward_accel: float = 0.5
    use_prediction: bool = True
    max_prediction_s: float = 0.5
    lost_stop_s: float = 1.0
    stale_s: float = 0.5
    search_yaw_rate: float = 0.0
    search_timeout_s: float = 10.0
    reacquired_hold_s: float = 1.0

    def __post_init__(self) -> None:
        """Reject negative gains, limits and times, and a non-positive desired height."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, bool) and (not math.isfinite(value) or value < 0):
                raise ConfigError(f"ControllerConfig.{field.name} must be a finite number >= 0, got {value!r}")
        if self.desired_height <= 0:
            raise ConfigError(f"ControllerConfig.desired_height must be > 0, got {self.desired_height!r}")
        if self.search_yaw_rate > self.max_yaw_rate:
            raise ConfigError(f"ControllerConfig.search_yaw_rate ({self.search_yaw_rate}) exceeds max_yaw_rate "
                             f"({self.max_yaw_rate})")


@dataclasses.dataclass(frozen=True)
class TargetObservation(TargetView):
    """What the controller reads from one FollowTarget message (same names and units): the view plus the message's
    age and the centre predicted to its publish time."""

    _: dataclasses.KW_ONLY
    track_id: str = ""  # the tracker's id of the target: a new one is a new target, not a re-acquisition
    age_s: float = 0.0
    predicted_center_x_norm: float | None = None  # None: no prediction available
    predicted_center_y_norm: float | None = None


@dataclasses.dataclass(frozen=True)
class Command:
    """A velocity command: forward speed (m/s), yaw and pitch rates (rad/s), and the rule that produced it."""

    forward: float = 0.0
    yaw_rate: float = 0.0
    pitch_rate: float = 0.0
    mode: Mode = Mode.STOP_MISSING

    @property
    def is_zero(self) -> bool:
        """Whether every velocity is zero."""
        return self.forward == 0.0 and self.yaw_rate == 0.0 and self.pitch_rate == 0.0


def dead_band(error: float, width: float) -> float:
    """``error`` shrunk by ``width`` towards zero (zero inside the band, continuous at its edges)."""
    return math.copysign(max(abs(error) - width, 0.0), error)


def clamp(value: float, low: float, high: float) -> float:
    """``value`` limited to [low, high]."""
    return min(max(value, low), high)


def ramp(previous: float, wanted: float, max_step: float) -> float:
    """``wanted``, changed from ``previous`` by at most ``max_step``."""
    return previous + clamp(wanted - previous, -max_step, max_step)


class FollowController:
    """Turns target observations into velocity commands; keeps the last command for the acceleration limits."""

    def __init__(self, config: ControllerConfig | None = None) -> None:
        self.config = config or ControllerConfig()
        self.last_command = Command()
        self._last_received_s: float | None = None
        self._last_move_stamp_s: float | None = None
        self._last_seen_side = 1.0
        self._last_state: TrackState | None = None
        self._last_track_id = ""
        self._reacquired_s: float | None = None  # image stamp of the re-acquisition being confirmed

    def on_target(self, observation: TargetObservation, received_s: float) -> Command:
        """The command answering a fresh observation received at ``received_s`` (the caller's clock)."""
        config = self.config
        step_s = MAX_STEP_S
        if self._last_move_stamp_s is not None:
            step_s = clamp(observation.stamp_s - self._last_move_stamp_s, 0.0, MAX_STEP_S)
        self._last_received_s = received_s
        self._note_state(observation)
        if observation.age_s > config.stale_s:
            return self.stop(Mode.STOP_STALE)
        if observation.state == TrackState.IDLE:
            return self.stop(Mode.STOP_IDLE)
        previous = self.last_command
        if observation.state == TrackState.LOST:
            if observation.seconds_since_seen <= config.lost_stop_s:
                wanted = Command(0.0, previous.yaw_rate, previous.pitch_rate, Mode.COAST)
            elif (config.search_yaw_rate > 0
                  and observation.seconds_since_seen - config.lost_stop_s <= config.search_timeout_s):
                # turning right (towards azimuth > 0) is a negative yaw rate
                wanted = Command(0.0, -self._last_seen_side * config.search_yaw_rate, 0.0, Mode.SEARCH)
            else:
                return self.stop(Mode.STOP_LOST)
        else:
            wanted = self._follow(observation)
            if wanted.yaw_rate != 0.0:
                self._last_seen_side = -math.copysign(1.0, wanted.yaw_rate)
            if self._confirming(observation.stamp_s):
                wanted = dataclasses.replace(wanted, forward=0.0, mode=Mode.CONFIRM)
        self._last_move_stamp_s = observation.stamp_s
        return self._emit(Command(
            ramp(previous.forward, wanted.forward, config.max_forward_accel * step_s),
            ramp(previous.yaw_rate, wanted.yaw_rate, config.max_yaw_accel * step_s),
            ramp(previous.pitch_rate, wanted.pitch_rate, config.max_pitch_accel * step_s),
            wanted.mode))

    def on_timer(self, now_s: float) -> Command | None:
        """A stop when no observation arrived yet or for ``stale_s`` up to ``now_s``; None while input is fresh."""
        if self._last_received_s is None:
            return self.stop(Mode.STOP_MISSING)
        if now_s - self._last_received_s > self.config.stale_s:
            return self.stop(Mode.STOP_STALE)
        return None

    def _note_state(self, observation: TargetObservation) -> None:
        """Follow the tracker's state sequence: a re-acquisition starts the hold; another state, a new target or the
        end of the hold time clears it."""
        stamp_s, state = observation.stamp_s, observation.state
        same_target = observation.track_id == self._last_track_id
        if state == TrackState.TRACKING and self._last_state == TrackState.LOST and same_target:
            self._reacquired_s = stamp_s
        elif state != TrackState.TRACKING or not same_target or not self._confirming(stamp_s):
            self._reacquired_s = None
        elif self._reacquired_s is not None and stamp_s < self._reacquired_s:
            self._reacquired_s = stamp_s  # the image clock went back: hold from the new stamp
        self._last_state, self._last_track_id = state, observation.track_id

    def _confirming(self, stamp_s: float) -> bool:
        """Whether an image stamped ``stamp_s`` falls in the turn-only hold after a re-acquisition."""
        return self._reacquired_s is not None and stamp_s - self._reacquired_s < self.config.reacquired_hold_s

    def _follow(self, observation: TargetObservation) -> Command:
        """The unramped command that turns towards and keeps the distance to a visible target."""
        config = self.config
        center_x, center_y = observation.center_x_norm, observation.center_y_norm
        shift_x = shift_y = 0.0
        predicted = (observation.predicted_center_x_norm, observation.predicted_center_y_norm)
        if (config.use_prediction and 0.0 <= observation.age_s <= config.max_prediction_s
                and None not in predicted):
            shift_x = observation.predicted_center_x_norm - center_x
            shift_y = observation.predicted_center_y_norm - center_y
        if observation.has_bearing:
            # radians per normalized unit near the box: the box's angle over its size in half-image units
            per_x = observation.angular_width / (2 * observation.width_norm) if observation.width_norm > 0 else 0.0
            per_y = observation.angular_height / (2 * observation.height_norm) if observation.height_norm > 0 else 0.0
            yaw_error = dead_band(observation.azimuth + shift_x * per_x, config.yaw_dead_band)
            pitch_error = dead_band(observation.elevation - shift_y * per_y, config.yaw_dead_band)
            yaw_rate = -config.yaw_gain * yaw_error
            pitch_rate = -config.pitch_gain * pitch_error
        else:
            yaw_rate = -config.yaw_gain_norm * dead_band(center_x + shift_x, config.yaw_dead_band_norm)
            # y grows downwards: a target below the centre (y > 0) needs the camera pitched down (pitch rate > 0)
            pitch_rate = config.pitch_gain * dead_band(center_y + shift_y, config.yaw_dead_band_norm)
        forward = 0.0
        if observation.height_norm > 0:
            size_error = 1.0 - observation.height_norm / config.desired_height  # > 0: too small, drive closer
            forward = config.forward_gain * dead_band(size_error, config.size_dead_band)
        return Command(clamp(forward, -config.max_reverse_speed, config.max_forward_speed),
                       clamp(yaw_rate, -config.max_yaw_rate, config.max_yaw_rate),
                       clamp(pitch_rate, -config.max_pitch_rate, config.max_pitch_rate), Mode.FOLLOW)

    def stop(self, mode: Mode) -> Command:
        """An immediate stop (the follow ramp starts again from zero)."""
        self._last_move_stamp_s = None
        return self._emit(Command(0.0, 0.0, 0.0, mode))

    def _emit(self, command: Command) -> Command:
        """Remember and return ``command`` after limiting it to the configured speeds."""
        config = self.config
        command = dataclasses.replace(
            command,
            forward=clamp(command.forward, -config.max_reverse_speed, config.max_forward_speed),
            yaw_rate=clamp(command.yaw_rate, -config.max_yaw_rate, config.max_yaw_rate),
            pitch_rate=clamp(command.pitch_rate, -config.max_pitch_rate, config.max_pitch_rate))
        self.last_command = command
        return command
