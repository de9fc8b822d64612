"""The follow_controller node: an example follow-me controller, FollowTarget in, geometry_msgs/Twist out.

A starting point for robots that follow a person: it subscribes ``target`` (smat_ros/FollowTarget; remap it to
``/smat_tracker/target``) and publishes ``cmd_vel`` (geometry_msgs/Twist: linear.x forward, angular.z yaw rate,
angular.y pitch rate for a tilting camera). The control law is :mod:`smat_ros.follow.controller`; every gain,
dead band, limit and safety time is a parameter (``ros2 param describe`` shows each), changeable at run time.

Safety: it never moves on a stale or missing message. A timer at ``rate_hz`` publishes a stop as soon as no
FollowTarget arrived for ``stale_s`` (node clock; sim time under use_sim_time), and the node starts stopped. The
tracker IDLE, LOST for longer than ``lost_stop_s``, or a message with non-finite values also stop it at once. For
``reacquired_hold_s`` after a re-acquisition it only turns (logged as ``mode: follow: turning only, ...``): the
tracker may have taken a look-alike, and a robot should not drive after a stranger before the track has held.

``~/command`` (geometry_msgs/TwistStamped) repeats each command computed for a FollowTarget, stamped with that
message's image stamp: for logging and for simulations that step in lockstep with the loop (``sim_camera``).
Run: ``python -m smat_ros.ros.follow_controller --ros-args -r target:=/smat_tracker/target``.
"""
from __future__ import annotations

import dataclasses
import math
import sys

import rclpy
from geometry_msgs.msg import Twist, TwistStamped
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile
from rclpy.time import Time

from smat_ros.errors import ConfigError, InputError, StartupError
from smat_ros.follow.controller import Command, ControllerConfig, FollowController, Mode, TargetObservation
from smat_ros.follow.states import TrackState
from smat_ros.msg import FollowTarget
from smat_ros.ros.parameter_handling import declare_all
from smat_ros.ros.parameters import parameter_field
from smat_ros.ros.signals import run_node

CONTROLLER = ControllerConfig()  # the library's defaults are the node's


@dataclasses.dataclass(frozen=True)
class FollowControllerParameters:
    """The follow_controller node's parameters: one per ControllerConfig field (changeable at run time, the
    library's defaults) and the stop timer's rate (read-only)."""

    yaw_gain: float = parameter_field(CONTROLLER.yaw_gain, "yaw rate per radian of target azimuth (rad/s per rad), "
                                      "with camera info", dynamic=True, low=0.0, high=100.0)
    yaw_gain_norm: float = parameter_field(CONTROLLER.yaw_gain_norm, "yaw rate per unit of normalized horizontal "
                                           "centre (rad/s), without camera info", dynamic=True, low=0.0, high=100.0)
    yaw_dead_band: float = parameter_field(CONTROLLER.yaw_dead_band, "no turn while |azimuth| (and |elevation| for "
                                           "pitch) is within this (rad)", dynamic=True, low=0.0, high=math.pi)
    yaw_dead_band_norm: float = parameter_field(CONTROLLER.yaw_dead_band_norm, "no turn while |normalized centre| "
                                                "is within this, without camera info", dynamic=True, low=0.0, high=1.0)
    max_yaw_rate: float = parameter_field(CONTROLLER.max_yaw_rate, "largest |angular.z| (rad/s)", dynamic=True,
                                          low=0.0, high=20.0)
    max_yaw_accel: float = parameter_field(CONTROLLER.max_yaw_accel, "largest change of angular.z per second "
                                           "(rad/s^2)", dynamic=True, low=0.0, high=1000.0)
    pitch_gain: float = parameter_field(CONTROLLER.pitch_gain, "pitch rate per radian of elevation (0: no tilt "
                                        "commands; angular.y > 0 pitches down)", dynamic=True, low=0.0, high=100.0)
    max_pitch_rate: float = parameter_field(CONTROLLER.max_pitch_rate, "largest |angular.y| (rad/s)", dynamic=True,
                                            low=0.0, high=20.0)
    max_pitch_accel: float = parameter_field(CONTROLLER.max_pitch_accel, "largest change of angular.y per second "
                                             "(rad/s^2)", dynamic=True, low=0.0, high=1000.0)
    desired_height: float = parameter_field(CONTROLLER.desired_height, "apparent target height to keep, as a "
                                            "fraction of the image height", dynamic=True, low=0.01, high=1.0)
    forward_gain: float = parameter_field(CONTROLLER.forward_gain, "forward speed per unit of relative height error "
                                          "(m/s)", dynamic=True, low=0.0, high=100.0)
    size_dead_band: float = parameter_field(CONTROLLER.size_dead_band, "no forward speed while the relative height "
                                            "error is within this", dynamic=True, low=0.0, high=1.0)
    max_forward_speed: float = parameter_field(CONTROLLER.max_forward_speed, "largest linear.x (m/s)", dynamic=True,
                                               low=0.0, high=50.0)
    max_reverse_speed: float = parameter_field(CONTROLLER.max_reverse_speed, "largest backward speed (m/s; 0: never "
                                               "backs up)", dynamic=True, low=0.0, high=50.0)
    max_forward_accel: float = parameter_field(CONTROLLER.max_forward_accel, "largest change of linear.x per second "
                                               "(m/s^2)", dynamic=True, low=0.0, high=100.0)
    use_prediction: bool = parameter_field(CONTROLLER.use_prediction, "steer by the centre the tracker predicted to "
                                           "its publish time (latency compensation)", dynamic=True)
    max_prediction_s: float = parameter_field(CONTROLLER.max_prediction_s, "use the prediction only when it reaches "
                                              "at most this far ahead (s)", dynamic=True, low=0.0, high=10.0)
    lost_stop_s: float = parameter_field(CONTROLLER.lost_stop_s, "stop once the target has been LOST for longer than "
                                         "this (s, image stamps); coast before", dynamic=True, low=0.0, high=3600.0)
    stale_s: float = parameter_field(CONTROLLER.stale_s, "stop when no FollowTarget arrived for this long, or its "
                                     "image was older than this (s)", dynamic=True, low=0.01, high=60.0)
    search_yaw_rate: float = parameter_field(CONTROLLER.search_yaw_rate, "once LOST for lost_stop_s, turn at this "
                                             "rate towards the last side seen (rad/s; 0: stop; <= max_yaw_rate)",
                                             dynamic=True, low=0.0, high=20.0)
    search_timeout_s: float = parameter_field(CONTROLLER.search_timeout_s, "stop searching after this long (s)",
                                              dynamic=True, low=0.0, high=3600.0)
    reacquired_hold_s: float = parameter_field(CONTROLLER.reacquired_hold_s, "after a re-acquisition (LOST -> "
                                               "TRACKING, same track_id), turn only, no forward speed, for this long "
                                               "(s, image stamps; 0: off)", dynamic=True, low=0.0, high=60.0)
    rate_hz: float = parameter_field(20.0, "rate of the timer that stops the robot on stale input (Hz)", low=1.0,
                                     high=1000.0)


DEFAULTS = FollowControllerParameters()
PARAMETER_NAMES = frozenset(field.name for field in dataclasses.fields(FollowControllerParameters))
# the FollowTarget numbers a TargetObservation holds under the same names (the stamp and the state are converted)
OBSERVED_NUMBERS = tuple(field.name for field in dataclasses.fields(TargetObservation)
                         if field.name not in ("stamp_s", "state", "has_bearing", "track_id"))
LOG_THROTTLE_S = 5.0


def controller_config(params: FollowControllerParameters) -> ControllerConfig:
    """The controller's settings from the node's parameters of the same names; ConfigError, the reason naming the
    parameters, when they do not fit together."""
    try:
        return ControllerConfig(**{field.name: getattr(params, field.name)
                                   for field in dataclasses.fields(ControllerConfig)})
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("ControllerConfig.", "parameter ")) from None


def observation_from(msg: FollowTarget) -> TargetObservation:
    """The controller's view of a FollowTarget (its fields of the same names); InputError for non-finite numbers
    or an unknown state."""
    values = {name: getattr(msg, name) for name in OBSERVED_NUMBERS}
    bad = sorted(name for name, value in values.items() if not math.isfinite(value))
    if bad:
        raise InputError(f"FollowTarget has non-finite {', '.join(bad)}")
    try:
        state = TrackState(msg.state)
    except ValueError:
        raise InputError(f"FollowTarget has an unknown state {msg.state}") from None
    return TargetObservation(stamp_s=Time.from_msg(msg.header.stamp).nanoseconds * 1e-9, state=state,
                             has_bearing=msg.has_bearing, track_id=msg.track_id,
                             **{k: float(v) for k, v in values.items()})


def twist_of(command: Command) -> Twist:
    """The Twist of a command (linear.x, angular.y, angular.z)."""
    twist = Twist()
    twist.linear.x, twist.angular.y, twist.angular.z = command.forward, command.pitch_rate, command.yaw_rate
    return twist


class FollowControllerNode(Node):
    """Subscribes FollowTarget, publishes the controller's Twist, stops on stale input."""

    def __init__(self) -> None:
        super().__init__("follow_controller")
        self.params = declare_all(self, DEFAULTS)
        try:
            config = controller_config(self.params)
        except ConfigError as exc:
            raise StartupError(str(exc)) from None
        self.controller = FollowController(config)
        self.rejected = 0
        self._published: Command | None = None
        self._cmd_pub = self.create_publisher(Twist, "cmd_vel", QoSProfile(depth=10))
        self._command_pub = self.create_publisher(TwistStamped, "~/command", QoSProfile(depth=10))
        self._target_sub = self.create_subscription(FollowTarget, "target", self._on_target, QoSProfile(depth=10))
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.create_timer(1.0 / self.params.rate_hz, self._on_timer)
        self._publish(self.controller.stop(Mode.STOP_MISSING))
        self.get_logger().info(f"following {self._target_sub.topic_name}, commands on {self._cmd_pub.topic_name}; "
                               f"stopped until a target arrives")

    def _now_s(self) -> float:
        """The node clock in seconds (sim time under use_sim_time)."""
        return self.get_clock().now().nanoseconds * 1e-9

    def _on_target(self, msg: FollowTarget) -> None:
        """Answer a FollowTarget with a command (a stop for an invalid message, counted and logged)."""
        try:
            observation = observation_from(msg)
        except InputError as exc:
            self.rejected += 1
            self.get_logger().warning(f"rejected FollowTarget #{self.rejected}: {exc}; stopping",
                                      throttle_duration_sec=LOG_THROTTLE_S)
            self._publish(self.controller.stop(Mode.STOP_INVALID))
            return
        command = self.controller.on_target(observation, self._now_s())
        self._publish(command)
        stamped = TwistStamped(twist=twist_of(command))
        stamped.header = msg.header
        self._command_pub.publish(stamped)

    def _on_timer(self) -> None:
        """Stop once on stale input (nothing more is published while it stays stale)."""
        command = self.controller.on_timer(self._now_s())
        if command is not None and command != self._published:
            self._publish(command)

    def _publish(self, command: Command) -> None:
        """Publish on cmd_vel and log when the rule in force changes."""
        if self._published is None or command.mode != self._published.mode:
            self.get_logger().info(f"mode: {command.mode.value}")
        self._published = command
        self._cmd_pub.publish(twist_of(command))

    def _on_set_parameters(self, params: list[Parameter]) -> SetParametersResult:
        """Apply gain/limit changes when they fit together, the reason otherwise (rclpy has already refused a wrong
        type, a value out of its descriptor's range and a change of the read-only rate_hz)."""
        values = dataclasses.replace(self.params, **{param.name: param.value for param in params
                                                     if param.name in PARAMETER_NAMES})
        try:
            config = controller_config(values)
        except ConfigError as exc:
            self.get_logger().warning(f"rejected parameter change: {exc}")
            return SetParametersResult(successful=False, reason=str(exc))
        self.params = values
        self.controller.config = config
        return SetParametersResult(successful=True)


def main(args: list[str] | None = None) -> int:
    """Run the follow_controller node until shutdown; 1 when it cannot start."""
    return run_node("follow_controller", FollowControllerNode, rclpy.spin, args)


if __name__ == "__main__":
    sys.exit(main())
