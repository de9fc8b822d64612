"""follow_demo.launch.py with the real launch system (scripts/setup.sh installs ros2launch from ../shared/ros2cli):
its arguments, then the closed loop run for real on a short scenario: sim_camera -> smat_tracker (demo weights) ->
follow_controller -> sim_camera over DDS keeps the walking person in the central 30 % of the image, which the
same scenario with a fixed camera fails."""
from __future__ import annotations

import time
from pathlib import Path

import yaml
from dds_participant import Participant
from rclpy.qos import DurabilityPolicy, QoSProfile
from rclpy.time import Time
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2D

from smat_ros.config import from_dict
from smat_ros.msg import TrackStatus
from smat_ros.sim.metrics import summarize
from smat_ros.sim.scene import Scene, SceneConfig
from smat_ros.srv import SetTarget

WAIT_S = 180.0
# 6 s: the person sets off near the centre and walks out of the initial view to the right, then stands there
SCENARIO = {"duration_s": 6.0, "fps": 10.0, "seed": 2, "target": {"path": [[0.3, 6.0], [5.0, 4.5]]},
            "others": [], "posts": []}
MIN_CENTRED = 0.8  # closed loop: share of frames with the true centre in the central 30 %
MAX_FIXED_CENTRED = 0.4  # the fixed camera on the same scenario stays below this


def test_declared_arguments_with_installed_defaults(ros):
    arguments = ros.launch_arguments("follow_demo.launch.py")
    assert set(arguments) == {"scenario", "fixed", "autostart", "lockstep", "time_scale", "checkpoint",
                              "tracker_params", "controller_params", "dds_profile"}
    assert all(argument.description for argument in arguments.values())
    for name, file_name in (("tracker_params", "tracker.yaml"), ("controller_params", "follow_controller.yaml")):
        path = Path(ros.default_of(arguments[name]))
        assert path.is_file() and path.name == file_name


class Operator(Participant):
    """Sets the target on the first frame (from the true box, as an operator would draw it), starts the scene and
    records the true boxes and the tracker's states."""

    def __init__(self, domain_id: int) -> None:
        super().__init__(domain_id, "follow_operator")
        self.truths: dict[int, Detection2D] = {}
        self.states: dict[int, int] = {}
        latched = QoSProfile(depth=100, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.node.create_subscription(Detection2D, "/sim_camera/truth", self._on_truth, latched)
        self.node.create_subscription(TrackStatus, "/smat_tracker/status", self._on_status, QoSProfile(depth=100))
        self.set_target = self.node.create_client(SetTarget, "/smat_tracker/set_target")
        self.start = self.node.create_client(Trigger, "/sim_camera/start")

    def _on_truth(self, msg: Detection2D) -> None:
        """Record a true box by stamp."""
        self.truths[Time.from_msg(msg.header.stamp).nanoseconds] = msg

    def _on_status(self, msg: TrackStatus) -> None:
        """Record the tracker's state by stamp (the last status of a frame wins)."""
        self.states[Time.from_msg(msg.header.stamp).nanoseconds] = msg.state


def test_closed_loop_keeps_the_person_centred_where_a_fixed_camera_loses_them(launcher, tmp_path):
    config = from_dict(SceneConfig, SCENARIO)
    scene = Scene(config)
    fixed = summarize([scene.render(index / config.fps, config.start_pose)[1].center_norm(config.intrinsics)[0]
                       for index in range(config.frames)], [1] * config.frames, 1.0)
    assert fixed.centred_fraction < MAX_FIXED_CENTRED
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    launched = launcher("follow_demo.launch.py", [f"scenario:={scenario}", "autostart:=false", "time_scale:=0.0"])
    operator = Operator(launched.domain_id)
    try:
        assert operator.spin_until(lambda: len(operator.truths) > 0, WAIT_S), launched.log()
        first = operator.truths[min(operator.truths)]
        request = SetTarget.Request(bbox=first.bbox)
        request.header = first.header
        response = operator.call(operator.set_target, request, WAIT_S)
        retry_until = time.monotonic() + 10.0
        while not response.success and "no image" in response.message and time.monotonic() < retry_until:
            operator.spin_for(0.2)  # the truth may arrive before the tracker has the image
            response = operator.call(operator.set_target, request, WAIT_S)
        assert response.success, response.message
        # the controller must hear the tracker before the scene moves (a message sent before a reader matched is
        # not delivered to it)
        assert operator.spin_until(lambda: operator.node.count_subscribers("/smat_tracker/target") > 0, WAIT_S)
        operator.spin_for(1.0)
        assert operator.call(operator.start, Trigger.Request(), WAIT_S).success
        done = operator.spin_until(lambda: len(operator.truths) >= config.frames and all(
            stamp in operator.states for stamp in operator.truths), WAIT_S)
        assert done, f"{len(operator.truths)}/{config.frames} frames\n{launched.log()}"
        # sim_camera ends after its last frame: its goodbye is let through before this participant goes
        assert operator.wait_gone("sim_camera"), launched.log()
    finally:
        operator.close()
    stamps = sorted(operator.truths)
    centres = [2 * operator.truths[stamp].bbox.center.position.x / config.width - 1 for stamp in stamps]
    closed = summarize(centres, [operator.states[stamp] for stamp in stamps], 1.0)
    assert closed.centred_fraction >= MIN_CENTRED, (closed, fixed)
    assert all(operator.states[stamp] == TrackStatus.TRACKING for stamp in stamps[1:10])
