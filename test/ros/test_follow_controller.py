"""The follow_controller node over real DDS: FollowTarget in, Twist out; stops on stale input, on IDLE and on a long
LOST; turns only right after a re-acquisition; every command within the limits; the TwistStamped answer carries
the image stamp; parameters checked."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from dds_participant import Participant
from geometry_msgs.msg import Twist, TwistStamped
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile
from rclpy.time import Time

from smat_ros.msg import FollowTarget

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


@pytest.fixture
def controller(ros, tmp_path: Path):
    """The follow_controller node (tight limits) in its own process, and a driver connected to it."""
    domain_id = ros.next_domain_id()
    args = ["-r", "target:=/smat_tracker/target"] + [arg for name, value in LIMITS.items()
                                                     for arg in ("-p", f"{name}:={value}")]
    process = ros.run_module("smat_ros.ros.follow_controller", args, domain_id, tmp_path / "controller.log")
    driver = ControllerDriver(domain_id)
    ready = driver.spin_until(lambda: process.poll() is not None or (
        driver.target_pub.get_subscription_count() > 0 and driver.parameters.service_is_ready()), 60.0)
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
    """config/follow_controller.yaml holds ControllerConfig's defaults; each field has a description."""
    import dataclasses

    import yaml

    from smat_ros.follow.controller import ControllerConfig
    from smat_ros.ros.follow_controller import DESCRIPTIONS

    root = Path(__file__).resolve().parents[2]
    values = yaml.safe_load((root / "config" / "follow_controller.yaml").read_text())["/**"]["ros__parameters"]
    fields = {field.name for field in dataclasses.fields(ControllerConfig)}
    assert set(DESCRIPTIONS) == fields
    assert set(values) == fields | {"rate_hz"}
    assert ControllerConfig(**{name: values[name] for name in fields}) == ControllerConfig()
