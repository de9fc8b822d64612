"""The sim_camera node over real DDS, driven in lockstep by this test acting as the controller: stamps on the
simulation clock, camera info matching the scene's intrinsics, yaw integrated from the answers over the stamps,
images and true boxes equal to the library's rendering at that pose."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from dds_participant import Participant
from geometry_msgs.msg import PoseStamped, TwistStamped
from rcl_interfaces.msg import ParameterType
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.time import Time
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image
from vision_msgs.msg import Detection2D

from smat_ros.config import from_dict
from smat_ros.ros.conversions import image_to_rgb
from smat_ros.ros.parameters import check, descriptor
from smat_ros.ros.sim_camera import DEFAULTS, SimCameraParameters
from smat_ros.sim.camera import CameraPose
from smat_ros.sim.scene import Scene, SceneConfig

SCENARIO = {"width": 320, "height": 240, "hfov_deg": 70.0, "fps": 10.0, "duration_s": 1.2, "seed": 5,
            "target": {"path": [[0.5, 5.0], [3.0, 5.0]]}, "others": [], "posts": []}
YAW_RATES = [0.0, 0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.0, 0.6, -0.1, 0.3, 0.0]


class LockstepController(Participant):
    """Answers each image with a TwistStamped of the next scripted yaw rate; records everything the sim sends."""

    def __init__(self, domain_id: int) -> None:
        super().__init__(domain_id, "lockstep_controller")
        self.answer_pub = self.node.create_publisher(TwistStamped, "/follow_controller/command", QoSProfile(depth=10))
        self.images: dict[int, Image] = {}
        self.infos: dict[int, CameraInfo] = {}
        self.truths: dict[int, Detection2D] = {}
        self.poses: dict[int, PoseStamped] = {}
        self.clock: list[int] = []
        self.answered: dict[int, float] = {}
        latched = QoSProfile(depth=100, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.node.create_subscription(Image, "/image", self._on_image, QoSProfile(depth=10))
        self.node.create_subscription(CameraInfo, "/camera_info", lambda m: self.infos.__setitem__(self.key(m), m),
                                      QoSProfile(depth=10))
        self.node.create_subscription(Detection2D, "/sim_camera/truth",
                                      lambda m: self.truths.__setitem__(self.key(m), m), latched)
        self.node.create_subscription(PoseStamped, "/sim_camera/pose",
                                      lambda m: self.poses.__setitem__(self.key(m), m), latched)
        self.node.create_subscription(Clock, "/clock", lambda m: self.clock.append(Time.from_msg(m.clock).nanoseconds),
                                      QoSProfile(depth=100, reliability=ReliabilityPolicy.BEST_EFFORT))

    @staticmethod
    def key(msg) -> int:
        """The message's header stamp in ns."""
        return Time.from_msg(msg.header.stamp).nanoseconds

    def _on_image(self, msg: Image) -> None:
        """Record the image and answer it with the next yaw rate (once per stamp)."""
        stamp = self.key(msg)
        self.images[stamp] = msg
        if stamp not in self.answered:
            self.answered[stamp] = YAW_RATES[len(self.answered) % len(YAW_RATES)]
        answer = TwistStamped()
        answer.header = msg.header
        answer.twist.angular.z = self.answered[stamp]
        self.answer_pub.publish(answer)


def test_lockstep_geometry_over_dds(ros, tmp_path: Path) -> None:
    """Twelve frames: the pose's yaw is the integral of the answered rates over the stamps, each image and true box
    is what the library renders at that pose, camera info is the scene's K, /clock carries the stamps."""
    scenario = tmp_path / "scene.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    config = from_dict(SceneConfig, SCENARIO)
    domain_id = ros.next_domain_id()
    log = tmp_path / "sim.log"
    process = ros.run_module("smat_ros.ros.sim_camera", ["-p", f"scenario:={scenario}", "-p", "time_scale:=0.0"],
                             domain_id, log)
    driver = LockstepController(domain_id)
    try:
        done = driver.spin_until(lambda: len(driver.truths) >= config.frames and process.poll() is not None, 120.0)
        assert done and process.returncode == 0, log.read_text()
        assert driver.wait_gone("sim_camera"), log.read_text()
    finally:
        driver.close()
        ros.stop(process)
    stamps = sorted(driver.images)
    assert len(stamps) == config.frames
    assert np.allclose(np.diff(stamps), 1e8)  # 10 fps on the simulation clock
    assert set(stamps) <= set(driver.clock)
    scene = Scene(config)
    pose = CameraPose()
    for index, stamp in enumerate(stamps):
        message = driver.poses[stamp].pose
        yaw = 2 * math.atan2(message.orientation.z, message.orientation.w)
        assert yaw == pytest.approx(pose.yaw, abs=1e-9)
        expected, truth = scene.render(index * 0.1, pose)
        assert np.array_equal(image_to_rgb(driver.images[stamp]), expected)
        box = driver.truths[stamp].bbox
        x, y, w, h = truth.box
        assert (box.center.position.x, box.center.position.y) == pytest.approx((x + w / 2, y + h / 2))
        assert (box.size_x, box.size_y) == pytest.approx((w, h))
        assert driver.truths[stamp].results[0].hypothesis.score == pytest.approx(truth.visible)
        info = driver.infos[stamp]
        assert (info.width, info.height) == (320, 240)
        assert np.allclose(np.reshape(info.k, (3, 3)), config.intrinsics.matrix)
        rate = 0.0 if index == 0 else YAW_RATES[index]  # the first frame is not waited for: the camera holds
        pose = pose.moved(0.0, rate, 0.0, 0.1)
    assert abs(pose.yaw) > 0.05


def free_run_yaws(ros, tmp_path: Path, scenario: Path, fixed: bool) -> list[float]:
    """Yaw per frame of a free-running sim (2x real time) while this test publishes cmd_vel turning right."""
    from geometry_msgs.msg import Twist

    domain_id = ros.next_domain_id()
    log = tmp_path / f"sim_{fixed}.log"
    process = ros.run_module(
        "smat_ros.ros.sim_camera", ["-p", f"scenario:={scenario}", "-p", "lockstep:=false", "-p", "time_scale:=2.0",
                                    "-p", f"fixed:={fixed}"], domain_id, log)
    driver = LockstepController(domain_id)
    twist_pub = driver.node.create_publisher(Twist, "/cmd_vel", QoSProfile(depth=10))
    turn = Twist()
    turn.angular.z = -0.5
    timer = driver.node.create_timer(0.02, lambda: twist_pub.publish(turn))
    try:
        done = driver.spin_until(lambda: len(driver.poses) >= 20 and process.poll() is not None, 120.0)
        assert done and process.returncode == 0, log.read_text()
        assert driver.wait_gone("sim_camera"), log.read_text()
    finally:
        driver.node.destroy_timer(timer)
        driver.close()
        ros.stop(process)
    return [2 * math.atan2(p.pose.orientation.z, p.pose.orientation.w) for _, p in sorted(driver.poses.items())]


def test_free_running_turns_with_cmd_vel(ros, tmp_path: Path) -> None:
    """Without lockstep the frames come at time_scale x real time and the newest cmd_vel Twist turns the camera: a
    constant yaw rate gives a yaw growing by rate / fps per frame once it applies; ``fixed`` ignores it."""
    scenario = tmp_path / "scene.yaml"
    scenario.write_text(yaml.safe_dump({**SCENARIO, "duration_s": 2.0}))
    steps = np.diff(free_run_yaws(ros, tmp_path, scenario, fixed=False))
    assert steps[-1] == pytest.approx(-0.05) and np.all(steps <= 1e-12)
    assert sum(step == pytest.approx(-0.05) for step in steps) >= 15
    assert free_run_yaws(ros, tmp_path, scenario, fixed=True) == [0.0] * 20


def test_descriptors_carry_type_range_and_read_only() -> None:
    """Every parameter is read-only; seeds and subscriber counts are integer ranges, the pace and the wait float
    ranges, the encoding a choice; the defaults pass their own checks."""
    seed = descriptor("seed", DEFAULTS)
    assert seed.type == ParameterType.PARAMETER_INTEGER
    assert (seed.integer_range[0].from_value, seed.integer_range[0].to_value) == (-1, 2**31 - 1)
    subscribers = descriptor("min_subscribers", DEFAULTS).integer_range[0]
    assert (subscribers.from_value, subscribers.to_value) == (1, 100)
    scale = descriptor("time_scale", DEFAULTS)
    assert scale.type == ParameterType.PARAMETER_DOUBLE
    assert (scale.floating_point_range[0].from_value, scale.floating_point_range[0].to_value) == (0.0, 1000.0)
    assert descriptor("sync_timeout_s", DEFAULTS).floating_point_range[0].from_value > 0.0
    encoding = descriptor("encoding", DEFAULTS)
    assert encoding.type == ParameterType.PARAMETER_STRING and "rgb8, bgr8" in encoding.description
    assert descriptor("lockstep", DEFAULTS).type == ParameterType.PARAMETER_BOOL
    fields = [field.name for field in dataclasses.fields(SimCameraParameters)]
    assert all(descriptor(name, DEFAULTS).read_only for name in fields)
    assert all(check(name, getattr(DEFAULTS, name), DEFAULTS) is None for name in fields)
    reason = check("encoding", "yuv422", DEFAULTS)
    assert reason is not None and "must be one of rgb8, bgr8" in reason
