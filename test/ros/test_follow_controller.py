"""The follow_controller node over real DDS: FollowTarget in, Twist out; stops on stale input, on IDLE and on a long
LOST; turns only right after a re-acquisition; every command within the limits; the TwistStamped answer carries
the image stamp; parameters checked."""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
import yaml
from dds_participant import Participant
from geometry_msgs.msg import Twist, TwistStamped
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterType
from rcl_interfaces.srv import GetParameters, SetParameters
from rclpy.parameter import Parameter, parameter_value_to_python
from rclpy.qos import QoSProfile
from rclpy.time import Time

from smat_ros.errors import ConfigError
from smat_ros.follow.controller import ControllerConfig
from smat_ros.msg import FollowTarget
from smat_ros.ros.follow_controller import DEFAULTS, PARAMETER_NAMES, controller_config
from smat_ros.ros.parameters import check, descriptor

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"max_yaw_rate": 0.6, "max_yaw_accel": 2.0, "max_forward_speed": 0.3, "max_forward_accel": 0.4,
          "stale_s": 0.4, "lost_stop_s": 0.5}


class ControllerDriver(Participant):
    """Publishes FollowTarget to the controller and records its cmd_vel (with arrival times) and answers."""

    def __init__(self, domain_id: int) -> None:
        super().__init__(domain_id, "controller_driver")
        self.target_pub = self.node.create_publisher(FollowTarget, "/smat_tracker/target", QoSProfile(depth=10))
        self.twists: list[tuple[float, Twist]] = []
        self.answers: list[TwistStamped] = []
        self.node.create_subscription(Twist, "/cmd_vel", lambda msg: self.twists.append((time.monotonic(), msg)),
                                      QoSProfile(depth=100))
        self.node.create_subscription(TwistStamped, "/follow_controller/command", self.answers.append,
                                      QoSProfile(depth=100))
        self.parameters = self.node.create_client(SetParameters, "/follow_controller/set_parameters")
        self.values = self.node.create_client(GetParameters, "/follow_controller/get_parameters")

    def send(self, stamp_s: float, state: int, **fields) -> None:
        """Publish one FollowTarget stamped ``stamp_s``."""
        msg = FollowTarget(state=state, image_width=640, image_height=480, **fields)
        msg.header.stamp = Time(nanoseconds=int(stamp_s * 1e9)).to_msg()
        msg.header.frame_id = "camera"
        self.target_pub.publish(msg)

    def set_parameter(self, name: str, value):
        """Set one parameter through the node's service; the result."""
        message: ParameterMsg = Parameter(name, value=value).to_parameter_msg()
        return self.call(self.parameters, SetParameters.Request(parameters=[message]), 30.0).results[0]

    def get_parameters(self, names: list[str]) -> list:
        """The node's current values of parameters ``names``."""
        response = self.call(self.values, GetParameters.Request(names=names), 30.0)
        return [parameter_value_to_python(value) for value in response.values]


@pytest.fixture
def controller(ros, tmp_path: Path):
    """The follow_controller node (tight limits) in its own process, and a driver connected to it."""
    domain_id = ros.next_domain_id()
    args = ["-r", "target:=/smat_tracker/target"] + [arg for name, value in LIMITS.items()
                                                     for arg in ("-p", f"{name}:={value}")]
    process = ros.run_module("smat_ros.ros.follow_controller", args, domain_id, tmp_path / "controller.log")
    driver = ControllerDriver(domain_id)
    # ready when the node takes targets and answers the parameter service, and its two outputs have reached the
    # driver's subscriptions (a reliable message published before that is not delivered to them)
    ready = driver.spin_until(lambda: process.poll() is not None or (
        driver.target_pub.get_subscription_count() > 0 and driver.parameters.service_is_ready()
        and driver.node.count_publishers("/cmd_vel") > 0
        and driver.node.count_publishers("/follow_controller/command") > 0), 60.0)
    if not ready or process.poll() is not None:
        driver.close()
        ros.stop(process)
        pytest.fail(f"follow_controller did not come up:\n{(tmp_path / 'controller.log').read_text()}")
    yield driver
    driver.close()
    ros.stop(process)


def follow(driver: ControllerDriver, frames: int, start_s: float = 100.0, **fields) -> float:
    """Send ``frames`` TRACKING targets at 20 Hz (right of the centre, small); the last stamp."""
    values = dict(visible=True, has_bearing=True, azimuth=0.5, width_norm=0.1, height_norm=0.1,
                  angular_width=0.1, angular_height=0.2)
    values.update(fields)
    for index in range(frames):
        driver.send(start_s + index * 0.05, 1, **values)
        driver.spin_for(0.05)
    return start_s + (frames - 1) * 0.05


def test_follows_then_stops_when_input_goes_stale(controller: ControllerDriver) -> None:
    """A target on the right turns the robot right and drives it ahead; an answer per message with its stamp;
    once messages stop, a zero command arrives within stale_s (+ one timer tick) and nothing moves after it."""
    follow(controller, 20)
    assert controller.spin_until(lambda: len(controller.answers) >= 20, 10.0)
    stamps = [Time.from_msg(answer.header.stamp).nanoseconds for answer in controller.answers[-20:]]
    assert stamps == [int(round((100.0 + index * 0.05) * 1e9)) for index in range(20)]
    moving = [twist for _, twist in controller.twists if twist.angular.z != 0.0]
    assert moving and all(twist.angular.z < 0 for twist in moving)
    assert max(twist.linear.x for _, twist in controller.twists) > 0
    sent_at = time.monotonic()
    assert controller.spin_until(lambda: controller.twists[-1][1] == Twist(), 5.0)
    stopped_after = controller.twists[-1][0] - sent_at  # sent_at is 0.05 s after the last message
    assert LIMITS["stale_s"] - 0.1 <= stopped_after <= LIMITS["stale_s"] + 0.05 + 0.25  # + one 20 Hz tick, delivery
    count = len(controller.twists)
    controller.spin_for(1.0)
    assert all(twist == Twist() for _, twist in controller.twists[count - 1:])


def test_lost_too_long_and_idle_stop(controller: ControllerDriver) -> None:
    """LOST within lost_stop_s keeps turning; LOST longer stops; IDLE stops at once."""
    last = follow(controller, 10)
    controller.send(last + 0.05, 2, seconds_since_seen=0.2, azimuth=0.5, has_bearing=True)
    assert controller.spin_until(lambda: len(controller.answers) >= 11, 10.0)
    assert controller.answers[-1].twist.angular.z < 0
    controller.send(last + 0.1, 2, seconds_since_seen=0.6)
    assert controller.spin_until(lambda: len(controller.answers) >= 12, 10.0)
    assert controller.answers[-1].twist == Twist()
    last = follow(controller, 10, start_s=last + 1.0)
    assert controller.twists[-1][1].angular.z < 0
    controller.send(last + 0.05, 0)
    assert controller.spin_until(lambda: len(controller.answers) >= 23, 10.0)
    assert controller.answers[-1].twist == Twist()


def test_limits_hold_and_parameters_are_checked(controller: ControllerDriver) -> None:
    """Targets jumping from side to side: every command within the speed limits and, between answers, the
    acceleration limits; a negative limit is rejected, a valid change applies."""
    for index in range(30):
        controller.send(200.0 + index * 0.05, 1, visible=True, has_bearing=True, azimuth=(-1) ** index * 1.0,
                        height_norm=0.05, width_norm=0.05, angular_width=0.05)
        controller.spin_for(0.05)
    assert controller.spin_until(lambda: len(controller.answers) >= 30, 10.0)
    for _, twist in controller.twists:
        assert abs(twist.angular.z) <= LIMITS["max_yaw_rate"] + 1e-9
        assert 0.0 <= twist.linear.x <= LIMITS["max_forward_speed"] + 1e-9
    answers = controller.answers[-30:]
    for before, after in zip(answers[:-1], answers[1:], strict=True):
        assert abs(after.twist.angular.z - before.twist.angular.z) <= LIMITS["max_yaw_accel"] * 0.05 + 1e-9
        assert abs(after.twist.linear.x - before.twist.linear.x) <= LIMITS["max_forward_accel"] * 0.05 + 1e-9
    rejected = controller.set_parameter("max_yaw_rate", -1.0)
    assert not rejected.successful
    assert controller.set_parameter("max_yaw_rate", 0.2).successful
    follow(controller, 10, start_s=300.0, azimuth=-1.0)
    assert controller.spin_until(lambda: len(controller.answers) >= 40, 10.0)
    assert controller.answers[-1].twist.angular.z == pytest.approx(0.2)


def test_reacquired_target_turns_only_until_the_hold_is_set_off(controller: ControllerDriver) -> None:
    """LOST -> TRACKING of the same track turns towards the target without driving (hold 1 s by the stamps, the
    default); with reacquired_hold_s set to 0 at run time the next re-acquisition drives at once."""
    last = follow(controller, 10, track_id="walker")
    assert controller.spin_until(lambda: len(controller.answers) >= 10, 10.0)
    assert controller.answers[-1].twist.linear.x > 0
    controller.send(last + 0.05, 2, seconds_since_seen=0.6, track_id="walker")
    assert controller.spin_until(lambda: len(controller.answers) >= 11, 10.0)
    assert controller.answers[-1].twist == Twist()
    follow(controller, 10, start_s=last + 0.1, track_id="walker")  # 0.45 s of stamps: within the hold
    assert controller.spin_until(lambda: len(controller.answers) >= 21, 10.0)
    holding = [answer.twist for answer in controller.answers[-10:]]
    assert all(twist.linear.x == 0.0 for twist in holding) and holding[-1].angular.z < 0
    assert controller.set_parameter("reacquired_hold_s", 0.0).successful
    controller.send(last + 1.0, 2, seconds_since_seen=0.6, track_id="walker")
    follow(controller, 5, start_s=last + 1.05, track_id="walker")
    assert controller.spin_until(lambda: len(controller.answers) >= 27, 10.0)
    assert controller.answers[-1].twist.linear.x > 0
    assert not controller.set_parameter("reacquired_hold_s", -1.0).successful


def test_non_finite_target_stops(controller: ControllerDriver) -> None:
    """A FollowTarget with NaN values is rejected with a stop (the node keeps running)."""
    follow(controller, 10)
    controller.send(400.0, 1, visible=True, has_bearing=True, azimuth=float("nan"))
    assert controller.spin_until(lambda: controller.twists[-1][1] == Twist(), 5.0)
    follow(controller, 5, start_s=401.0)
    assert controller.twists[-1][1].angular.z < 0


def test_yaml_repeats_the_defaults_and_every_parameter_is_described() -> None:
    """config/follow_controller.yaml holds the node's defaults, which are ControllerConfig's: every ControllerConfig
    field is a parameter of the same name (rate_hz the only other one), and each has a description."""
    values = yaml.safe_load((ROOT / "config" / "follow_controller.yaml").read_text())["/**"]["ros__parameters"]
    fields = {field.name for field in dataclasses.fields(ControllerConfig)}
    assert set(PARAMETER_NAMES) == fields | {"rate_hz"}
    assert values == dataclasses.asdict(DEFAULTS)
    assert controller_config(DEFAULTS) == ControllerConfig()
    assert all(descriptor(name, DEFAULTS).description for name in PARAMETER_NAMES)


def test_descriptors_carry_type_range_and_read_only() -> None:
    """Every controller setting is a run-time parameter with its own range; rate_hz is read-only and > 0."""
    gain = descriptor("yaw_gain", DEFAULTS)
    assert gain.type == ParameterType.PARAMETER_DOUBLE and not gain.read_only
    assert (gain.floating_point_range[0].from_value, gain.floating_point_range[0].to_value) == (0.0, 100.0)
    height = descriptor("desired_height", DEFAULTS).floating_point_range[0]
    assert 0.0 < height.from_value and height.to_value == 1.0
    prediction = descriptor("max_prediction_s", DEFAULTS).floating_point_range[0]
    assert (prediction.from_value, prediction.to_value) == (0.0, 10.0)
    flag = descriptor("use_prediction", DEFAULTS)
    assert flag.type == ParameterType.PARAMETER_BOOL and not flag.read_only and not flag.floating_point_range
    rate = descriptor("rate_hz", DEFAULTS)
    assert rate.type == ParameterType.PARAMETER_DOUBLE and rate.read_only
    assert rate.floating_point_range[0].from_value > 0.0
    assert {name for name in PARAMETER_NAMES if descriptor(name, DEFAULTS).read_only} == {"rate_hz"}
    for name in PARAMETER_NAMES:
        assert check(name, getattr(DEFAULTS, name), DEFAULTS) is None, name


def test_settings_that_do_not_fit_together_are_refused_naming_the_parameters() -> None:
    with pytest.raises(ConfigError, match=r"^parameter search_yaw_rate \(0.5\) exceeds max_yaw_rate \(0.3\)"):
        controller_config(dataclasses.replace(DEFAULTS, search_yaw_rate=0.5, max_yaw_rate=0.3))


REFUSED = [
    ("max_yaw_rate", "fast", "Wrong parameter type"),
    ("max_yaw_rate", 1, "Wrong parameter type"),
    ("max_yaw_rate", 50.0, "out of range"),
    ("desired_height", 0.0, "out of range"),
    ("stale_s", float("nan"), "out of range"),
    ("search_yaw_rate", 0.8, "parameter search_yaw_rate (0.8) exceeds max_yaw_rate (0.6)"),
    ("rate_hz", 10.0, "read-only"),
]


def test_a_bad_run_time_change_is_refused_with_the_reason(controller: ControllerDriver) -> None:
    """Over DDS: a wrong type, a value out of range, a setting that does not fit the others (LIMITS: max_yaw_rate
    0.6) and a change of the read-only rate_hz are each refused with the reason; the node keeps its values and
    takes a valid change after them."""
    for name, value, words in REFUSED:
        result = controller.set_parameter(name, value)
        assert not result.successful and words in result.reason, (name, value, result.reason)
    assert controller.get_parameters(["max_yaw_rate", "desired_height", "stale_s", "search_yaw_rate", "rate_hz"]) == [
        LIMITS["max_yaw_rate"], DEFAULTS.desired_height, LIMITS["stale_s"], DEFAULTS.search_yaw_rate, DEFAULTS.rate_hz]
    assert controller.set_parameter("search_yaw_rate", 0.6).successful
    assert controller.get_parameters(["search_yaw_rate"]) == [0.6]
