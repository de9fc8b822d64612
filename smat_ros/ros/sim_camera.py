"""The sim_camera node: a simulated pan (and tilt) camera looking into a scene with walking people.

Publishes ``image`` (sensor_msgs/Image) and ``camera_info`` (sensor_msgs/CameraInfo, the scene's pinhole K) and
turns with the commands it receives: the yaw rate (angular.z, positive left) and the pitch rate (angular.y,
positive down) are integrated over the images' stamps (and linear.x with ``drive``). The scene is
:mod:`smat_ros.sim.scene`: the default scenario, or a YAML file (``scenario``) mapping onto ``SceneConfig``.

Measurement only (nothing in the loop may read these): ``~/truth`` (vision_msgs/Detection2D: the target's full
true box in pixels, centre possibly outside the image and NaN when it is behind the camera; ``results[0]`` holds
the visible fraction as its score) and ``~/pose`` (geometry_msgs/PoseStamped, the camera in ``sim_world``).

Timing: frame k is stamped t0 + k / fps on the simulation's own clock, which it publishes on ``/clock`` (run the
other nodes with use_sim_time:=true). With ``lockstep`` (the default) it waits for the controller's answer to
each frame, a TwistStamped on ``command_topic`` stamped like the frame, and applies it until the next frame:
the run is the same however fast the machine is. ``time_scale`` caps the pace at that multiple of real time (0:
as fast as the loop goes). Without lockstep, the newest ``cmd_vel`` Twist applies, at ``time_scale`` x real
time. ``fixed`` ignores all commands (the fixed-camera baseline). With ``autostart`` false the first frame is
published and the scene waits for ``~/start`` (std_srvs/Trigger), e.g. until a target is set on that frame. The
first frame goes out once ``min_subscribers`` subscribers listen to ``image``.
Run: ``python -m smat_ros.ros.sim_camera --ros-args -p scenario:=my_scene.yaml``.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Callable

import numpy as np
from geometry_msgs.msg import PoseStamped, Twist, TwistStamped
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile
from rclpy.time import Time
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2D, ObjectHypothesisWithPose

from smat_ros.config import load_yaml
from smat_ros.errors import SmatError, StartupError
from smat_ros.ros.conversions import PUBLISH_ENCODINGS, rgb_to_image
from smat_ros.ros.parameter_handling import declare_all
from smat_ros.ros.parameters import parameter_field
from smat_ros.ros.signals import run_node, spin_until
from smat_ros.sim.camera import CameraPose, Intrinsics
from smat_ros.sim.scene import Scene, SceneConfig, TrueTarget

WAIT_STEP_S = 0.02  # longest spin while waiting for subscribers, the start or an answer
RESEND_S = 2.0  # lockstep: publish a frame again when no answer came for this long (a best-effort reader lost it)


@dataclasses.dataclass(frozen=True)
class SimCameraParameters:
    """The sim_camera node's parameters (all read-only after start)."""

    scenario: str = parameter_field("", "YAML file of the scene (SceneConfig keys; '': the default scenario)")
    seed: int = parameter_field(-1, "random seed of the scene (-1: the scenario's)", low=-1, high=2**31 - 1)
    lockstep: bool = parameter_field(True, "wait for the controller's answer to each frame")
    command_topic: str = parameter_field("/follow_controller/command",
                                         "TwistStamped answers stamped like the frames (lockstep)")
    time_scale: float = parameter_field(1.0, "pace as a multiple of real time (0: as fast as possible, lockstep "
                                             "only)", low=0.0, high=1000.0)
    fixed: bool = parameter_field(False, "ignore all commands: a fixed camera")
    drive: bool = parameter_field(False, "also drive ahead with linear.x (else pan and tilt only)")
    min_subscribers: int = parameter_field(1, "start once this many subscribers listen to image (the tracker, a "
                                              "recorder...)", low=1, high=100)
    autostart: bool = parameter_field(True, "run at once (false: first frame, then wait for ~/start)")
    sync_timeout_s: float = parameter_field(30.0, "lockstep: longest wait for an answer before going on with the "
                                                  "newest cmd_vel (s)", low=0.1, high=3600.0)
    publish_clock: bool = parameter_field(True, "publish the simulation time on /clock")
    frame_id: str = parameter_field("camera", "images' frame_id")
    encoding: str = parameter_field("bgr8", "encoding of the published images", choices=PUBLISH_ENCODINGS)


DEFAULTS = SimCameraParameters()


def camera_info(intrinsics: Intrinsics, header: Header) -> CameraInfo:
    """CameraInfo of an undistorted pinhole camera (plumb_bob with zero D)."""
    k = intrinsics.matrix
    info = CameraInfo(header=header, width=intrinsics.width, height=intrinsics.height,
                      distortion_model="plumb_bob")
    info.d = [0.0] * 5
    info.k = [float(v) for v in k.ravel()]
    info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    info.p = [float(v) for v in np.hstack([k, np.zeros((3, 1))]).ravel()]
    return info


def truth_message(truth: TrueTarget, header: Header) -> Detection2D:
    """The target's true box (centre NaN when behind the camera) and its visible fraction as the score."""
    x, y, w, h = truth.box
    detection = Detection2D(header=header, id="target")
    detection.bbox.center.position.x, detection.bbox.center.position.y = x + w / 2, y + h / 2
    detection.bbox.size_x, detection.bbox.size_y = (w, h) if truth.ahead else (0.0, 0.0)
    hypothesis = ObjectHypothesisWithPose()
    hypothesis.hypothesis.class_id, hypothesis.hypothesis.score = "person", float(truth.visible)
    detection.results.append(hypothesis)
    return detection


def pose_message(pose: CameraPose, header: Header) -> PoseStamped:
    """The camera pose in REP-103 axes (x ahead at the start, y left, z up) in frame ``header.frame_id``."""
    message = PoseStamped(header=header)
    message.pose.position.x, message.pose.position.y = pose.z, -pose.x
    half_yaw, half_pitch = pose.yaw / 2, -pose.pitch / 2  # pitch up is a negative rotation about y
    message.pose.orientation.w = math.cos(half_yaw) * math.cos(half_pitch)
    message.pose.orientation.x = -math.sin(half_yaw) * math.sin(half_pitch)
    message.pose.orientation.y = math.cos(half_yaw) * math.sin(half_pitch)
    message.pose.orientation.z = math.sin(half_yaw) * math.cos(half_pitch)
    return message


class SimCamera(Node):
    """Renders the scene at the integrated camera pose and publishes it frame by frame."""

    def __init__(self) -> None:
        super().__init__("sim_camera")
        self.params = declare_all(self, DEFAULTS)
        if self.params.time_scale == 0 and not self.params.lockstep:
            raise StartupError("time_scale 0 (as fast as possible) needs lockstep")
        try:
            config = load_yaml(SceneConfig, self.params.scenario) if self.params.scenario else SceneConfig()
            if self.params.seed >= 0:
                config = dataclasses.replace(config, seed=self.params.seed)
            self.scene = Scene(config)
        except (SmatError, OSError) as exc:
            raise StartupError(f"cannot build the scene: {exc}") from None
        self.config = config
        qos = QoSProfile(depth=5)
        self.image_pub = self.create_publisher(Image, "image", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera_info", qos)
        latched = QoSProfile(depth=100, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.truth_pub = self.create_publisher(Detection2D, "~/truth", latched)
        self.pose_pub = self.create_publisher(PoseStamped, "~/pose", latched)
        self.clock_pub = (self.create_publisher(Clock, "/clock", QoSProfile(depth=1)) if self.params.publish_clock
                          else None)
        self.create_subscription(Twist, "cmd_vel", self._on_cmd_vel, QoSProfile(depth=10))
        if self.params.lockstep:
            self.create_subscription(TwistStamped, self.params.command_topic, self._on_command, QoSProfile(depth=10))
        self.create_service(Trigger, "~/start", self._on_start)
        self._latest_twist = Twist()
        self._answers: dict[int, Twist] = {}
        self._started = self.params.autostart
        self.missed = 0
        self.resent = 0

    def _on_cmd_vel(self, msg: Twist) -> None:
        """Keep the newest free-running command."""
        self._latest_twist = msg

    def _on_command(self, msg: TwistStamped) -> None:
        """Keep a lockstep answer by its stamp."""
        self._answers[Time.from_msg(msg.header.stamp).nanoseconds] = msg.twist

    def _on_start(self, request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        """Service: let the scene run."""
        response.success, response.message = True, "already running" if self._started else "started"
        self._started = True
        return response

    def _wait(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Spin until ``done()`` or the timeout; whether it was done."""
        return spin_until(self, done, timeout_s, WAIT_STEP_S)

    def run(self) -> int:
        """Publish the scenario's frames, turning with the commands; the number of frames published."""
        self.get_logger().info(f"waiting for {self.params.min_subscribers} subscriber(s) on "
                               f"{self.image_pub.topic_name}")
        self._wait(lambda: self.image_pub.get_subscription_count() >= self.params.min_subscribers, 3600.0)
        if self.params.lockstep:
            self.get_logger().info(f"lockstep: waiting for a publisher on {self.params.command_topic}")
            self._wait(lambda: self.count_publishers(self.params.command_topic) > 0, 3600.0)
        config = self.config
        period_ns = int(round(1e9 / config.fps))
        start_ns = self.get_clock().now().nanoseconds
        pose = config.start_pose
        wall_start = time.monotonic()
        self.get_logger().info(f"{config.frames} frames of {config.width}x{config.height} at {config.fps:g} fps "
                               f"(lockstep: {self.params.lockstep}, fixed camera: {self.params.fixed})")
        for index in range(config.frames):
            stamp_ns = start_ns + index * period_ns
            image = self._publish_frame(index * period_ns * 1e-9, stamp_ns, pose)
            if index == 0 and not self._started:
                self.get_logger().info(f"first frame published; waiting for {self.get_name()}/start")
                self._wait(lambda: self._started, 3600.0)
            # the first frame has no answer to wait for (no target yet): the camera holds still until the second
            twist = Twist() if index == 0 else self._command_for(stamp_ns, image, index)
            if self.params.fixed:
                twist = Twist()
            pose = pose.moved(twist.linear.x if self.params.drive else 0.0, twist.angular.z, twist.angular.y,
                              period_ns * 1e-9)
            if self.params.time_scale > 0:
                pace_until = wall_start + (index + 1) * period_ns * 1e-9 / self.params.time_scale
                self._wait(lambda until=pace_until: time.monotonic() >= until, max(0.0, pace_until - time.monotonic()))
        self.get_logger().info(f"published {config.frames} frames; {self.missed} frames without an answer, "
                               f"{self.resent} sent again")
        return config.frames

    def _publish_frame(self, t_s: float, stamp_ns: int, pose: CameraPose) -> tuple[Image, CameraInfo]:
        """Render and publish one frame (clock first), its camera info, truth and pose."""
        header = Header(stamp=Time(nanoseconds=stamp_ns).to_msg(), frame_id=self.params.frame_id)
        if self.clock_pub is not None:
            self.clock_pub.publish(Clock(clock=header.stamp))
        frame, truth = self.scene.render(t_s, pose)
        image = rgb_to_image(frame, header, self.params.encoding)
        info = camera_info(self.scene.intrinsics, header)
        self.image_pub.publish(image)
        self.info_pub.publish(info)
        self.truth_pub.publish(truth_message(truth, header))
        self.pose_pub.publish(pose_message(pose, Header(stamp=header.stamp, frame_id="sim_world")))
        return image, info

    def _command_for(self, stamp_ns: int, sent: tuple[Image, CameraInfo], index: int) -> Twist:
        """The command for the interval after this frame: the lockstep answer (the frame is sent again every
        RESEND_S without one), or the newest cmd_vel (also in lockstep when no answer came in sync_timeout_s)."""
        if not self.params.lockstep:
            return self._latest_twist
        deadline = time.monotonic() + self.params.sync_timeout_s
        while not self._wait(lambda: stamp_ns in self._answers, min(RESEND_S, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                self.missed += 1
                self.get_logger().warning(f"no answer to frame {index} within {self.params.sync_timeout_s} s on "
                                          f"{self.params.command_topic}: going on with the newest cmd_vel")
                return self._latest_twist
            self.resent += 1
            self.image_pub.publish(sent[0])
            self.info_pub.publish(sent[1])
        twist = self._answers.pop(stamp_ns)
        self._answers = {stamp: answer for stamp, answer in self._answers.items() if stamp > stamp_ns}
        return twist


def main(args: list[str] | None = None) -> int:
    """Run the scenario once; 1 when the simulation cannot start."""
    return run_node("sim_camera", SimCamera, SimCamera.run, args)


if __name__ == "__main__":
    sys.exit(main())
