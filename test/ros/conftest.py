"""Helpers for the DDS tests: the node as its own process, a driver node in this process, library reference boxes,
and `ros2 launch` run for real with the ros2 command line beside it.

Every node process gets its own ROS_DOMAIN_ID; all traffic stays on loopback through config/fastdds_localhost.xml
(16 MiB shared-memory segment so that full frames arrive), loaded by this process and by the node.
"""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from dds_participant import TIMEOUT_S, Participant
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile
from rclpy.time import Time
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2D, Detection2DArray

from smat_ros import Tracker
from smat_ros.msg import TrackStatus
from smat_ros.ros.conversions import bbox_to_box, box_to_bbox, rgb_to_compressed, rgb_to_image
from smat_ros.srv import SetTarget

ROOT = Path(__file__).resolve().parents[2]
INIT_BOX = tuple(float(v) for v in (ROOT / "test" / "fixtures" / "vtest_person" / "init.txt").read_text().split(","))
PROFILE = ROOT / "config" / "fastdds_localhost.xml"
FRAME_PERIOD_NS = 100_000_000  # synthetic stamps 0.1 s apart, like the 10 fps source video
CLI_TIMEOUT_S = 90.0  # one ros2 command
RESEND_S = 5.0  # a best-effort image sent right after discovery can be lost; a step is ~60 ms, so 5 s means lost
# SMAT_TEST_DOMAINS=FIRST-LAST gives this test run its own block of domain ids (several runs at once on one machine)
_FIRST, _LAST = (int(v) for v in os.environ.get("SMAT_TEST_DOMAINS", "1-100").split("-"))
_DOMAIN_IDS = itertools.count(os.getpid() % (_LAST - _FIRST + 1))


def next_domain_id() -> int:
    """A ROS_DOMAIN_ID in FIRST..LAST (default 1..100) not used before by this test run."""
    return _FIRST + next(_DOMAIN_IDS) % (_LAST - _FIRST + 1)


def stamp_of(index: int, base_s: int = 1000) -> int:
    """Synthetic stamp (ns) of frame ``index``."""
    return base_s * 1_000_000_000 + index * FRAME_PERIOD_NS


@pytest.fixture(scope="session", autouse=True)
def dds_profile():
    """Load the loopback large-data Fast DDS profile in this process (read at the first participant)."""
    previous = os.environ.get("FASTRTPS_DEFAULT_PROFILES_FILE")
    os.environ["FASTRTPS_DEFAULT_PROFILES_FILE"] = str(PROFILE)
    yield
    if previous is None:
        os.environ.pop("FASTRTPS_DEFAULT_PROFILES_FILE")
    else:
        os.environ["FASTRTPS_DEFAULT_PROFILES_FILE"] = previous


@pytest.fixture(scope="session")
def library_boxes(checkpoint_path: Path) -> Callable[..., list[tuple[float, ...]]]:
    """reference(frames, init_index, box, last) -> the library's boxes for frames init_index+1..last."""
    tracker = Tracker.from_checkpoint(checkpoint_path, device="cpu")

    def reference(sequence: list[np.ndarray], init_index: int, box: tuple[float, ...], last: int):
        tracker.initialize(sequence[init_index], box)
        return [tracker.track(frame).box for frame in sequence[init_index + 1 : last + 1]]

    return reference


def node_env(domain_id: int) -> dict[str, str]:
    """Environment of a child ROS process: its own domain and the loopback profile."""
    return dict(os.environ, ROS_DOMAIN_ID=str(domain_id), FASTRTPS_DEFAULT_PROFILES_FILE=str(PROFILE))


def run_module(module: str, ros_args: list[str], domain_id: int, log_path: Path) -> subprocess.Popen:
    """Start ``python -m module --ros-args ...`` with this venv's interpreter, output to ``log_path``."""
    log = open(log_path, "w")
    return subprocess.Popen([sys.executable, "-m", module, "--ros-args", *ros_args], cwd=ROOT,
                            env=node_env(domain_id), stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen, group: bool = False) -> None:
    """SIGINT, then SIGTERM after 15 s, then SIGKILL after 5 s more; ``group``: signal the process group the
    process leads (a ``ros2 launch`` and the nodes it started), and end what is left of the group at the end."""
    def send(sig: int) -> None:
        """Send ``sig`` to the process (or its group) if it is still there."""
        try:
            if group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
        except ProcessLookupError:
            pass

    for sig, wait_s in ((signal.SIGINT, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            break
        send(sig)
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            pass
    if group:
        send(signal.SIGKILL)  # children that outlived their launch process


class Driver(Participant):
    """A node in the test process that feeds the tracker node and records what it publishes."""

    def __init__(self, domain_id: int, node_name: str = "/smat_tracker", image_topic: str = "image") -> None:
        super().__init__(domain_id, "test_driver")
        qos = QoSProfile(depth=10)
        self.image_pub = self.node.create_publisher(Image, image_topic, qos)
        self.compressed_pub = self.node.create_publisher(CompressedImage, f"{image_topic}/compressed", qos)
        self.init_box_pub = self.node.create_publisher(Detection2D, f"{node_name}/init_box", qos)
        self.detections: dict[int, Detection2DArray] = {}
        self.statuses: list[TrackStatus] = []
        self.debug_images: dict[int, Image] = {}
        self.node.create_subscription(Detection2DArray, f"{node_name}/detections", self._on_detections, qos)
        self.node.create_subscription(TrackStatus, f"{node_name}/status", self.statuses.append, qos)
        self.debug_sub = None
        self.node_name = node_name
        self.set_target_client = self.node.create_client(SetTarget, f"{node_name}/set_target")
        self.clear_client = self.node.create_client(Trigger, f"{node_name}/clear_target")
        self.parameters_client = self.node.create_client(SetParameters, f"{node_name}/set_parameters")
        self.change_state_client = self.node.create_client(ChangeState, f"{node_name}/change_state")
        self.get_state_client = self.node.create_client(GetState, f"{node_name}/get_state")

    def _on_detections(self, msg: Detection2DArray) -> None:
        """Record detections by stamp."""
        self.detections[Time.from_msg(msg.header.stamp).nanoseconds] = msg

    def wait_ready(self, process: subprocess.Popen, compressed: bool = False) -> None:
        """Wait until the node's services and topics are matched with ours (fails if the node died)."""
        image_pub = self.compressed_pub if compressed else self.image_pub
        ready = self.spin_until(lambda: process.poll() is not None or (
            image_pub.get_subscription_count() > 0
            and self.node.count_publishers(f"{self.node_name}/detections") > 0
            and self.set_target_client.service_is_ready() and self.clear_client.service_is_ready()
            and self.parameters_client.service_is_ready()), 120.0)
        assert ready and process.poll() is None, "tracker node did not come up"

    def wait_managed(self, process: subprocess.Popen) -> None:
        """Wait until the node's lifecycle services answer (fails if the node died)."""
        ready = self.spin_until(lambda: process.poll() is not None or (
            self.change_state_client.service_is_ready() and self.get_state_client.service_is_ready()), 120.0)
        assert ready and process.poll() is None, "tracker node did not come up"

    def lifecycle_state(self) -> str:
        """The label of the node's lifecycle state (unconfigured, inactive, active, finalized)."""
        return self.call(self.get_state_client, GetState.Request(), resend_s=5.0).current_state.label

    def transition(self, label: str) -> bool:
        """Ask the node for the lifecycle transition ``label`` (configure, activate, ...); whether it succeeded."""
        return self.call(self.change_state_client, ChangeState.Request(transition=Transition(label=label))).success

    def header(self, stamp_ns: int) -> Header:
        """Header with ``stamp_ns`` and frame_id 'camera'."""
        return Header(stamp=Time(nanoseconds=stamp_ns).to_msg(), frame_id="camera")

    def publish(self, frame: np.ndarray, stamp_ns: int, encoding: str = "bgr8") -> Header:
        """Publish one frame as Image (or CompressedImage jpeg when encoding == 'jpeg'); its header."""
        header = self.header(stamp_ns)
        if encoding == "jpeg":
            self.compressed_pub.publish(rgb_to_compressed(frame, header, "jpeg"))
        else:
            self.image_pub.publish(rgb_to_image(frame, header, encoding))
        return header

    def step(self, frame: np.ndarray, stamp_ns: int, encoding: str = "bgr8") -> Detection2DArray:
        """Publish a frame and return the detections the node publishes for it (the frame is sent again after
        RESEND_S without an answer: the image QoS is best effort, and the node's reader may match after ours)."""
        header = self.publish(frame, stamp_ns, encoding)
        deadline = time.monotonic() + TIMEOUT_S
        while not self.spin_until(lambda: stamp_ns in self.detections, RESEND_S) and time.monotonic() < deadline:
            self.publish(frame, stamp_ns, encoding)
        assert stamp_ns in self.detections, f"no detections for stamp {stamp_ns}"
        detections = self.detections[stamp_ns]
        assert detections.header == header
        assert self.spin_until(lambda: self.status_for(stamp_ns) is not None), f"no status for stamp {stamp_ns}"
        return detections

    def status_for(self, stamp_ns: int) -> TrackStatus | None:
        """The status published for the frame stamped ``stamp_ns``, if any."""
        for status in reversed(self.statuses):
            if Time.from_msg(status.header.stamp).nanoseconds == stamp_ns:
                return status
        return None

    def set_target(self, stamp_ns: int, box: tuple[float, ...]) -> SetTarget.Response:
        """Call ~/set_target with a box (x, y, w, h) on the frame stamped ``stamp_ns``."""
        request = SetTarget.Request(bbox=box_to_bbox(box))
        request.header.stamp = Time(nanoseconds=stamp_ns).to_msg()
        return self.call(self.set_target_client, request)

    def clear(self) -> Trigger.Response:
        """Call ~/clear_target."""
        return self.call(self.clear_client, Trigger.Request())

    def set_parameter(self, name: str, value: Any) -> Any:
        """Set one parameter of the node through its service; the SetParametersResult."""
        message: ParameterMsg = Parameter(name, value=value).to_parameter_msg()
        return self.call(self.parameters_client, SetParameters.Request(parameters=[message])).results[0]

    def subscribe_debug(self) -> None:
        """Start recording ~/debug_image."""
        self.debug_sub = self.node.create_subscription(
            Image, f"{self.node_name}/debug_image",
            lambda msg: self.debug_images.__setitem__(Time.from_msg(msg.header.stamp).nanoseconds, msg),
            QoSProfile(depth=10))

def boxes_of(detections: Detection2DArray) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) of every detection."""
    return [bbox_to_box(detection.bbox) for detection in detections.detections]


def launch_node(params: dict[str, Any], workdir: Path, compressed: bool = False,
                active: bool = True) -> tuple[subprocess.Popen, Driver]:
    """The tracker node started with ``params`` (written to a YAML params file) and a driver connected to it, once
    the node is active (``active``) or once its lifecycle services answer."""
    params_file = workdir / "params.yaml"
    params_file.write_text(yaml.safe_dump({"/**": {"ros__parameters": params}}))
    domain_id = next_domain_id()
    log_path = workdir / "node.log"
    process = run_module("smat_ros.ros.node", ["--params-file", str(params_file)], domain_id, log_path)
    driver = Driver(domain_id)
    try:
        if active:
            driver.wait_ready(process, compressed)
        else:
            driver.wait_managed(process)
    except AssertionError:
        driver.close()
        stop(process)
        raise AssertionError(f"tracker node did not come up; its log:\n{log_path.read_text()}") from None
    return process, driver


def cli_env(domain_id: int) -> dict[str, str]:
    """Environment of ros2 commands: a node's domain and loopback profile, this venv's ament index and bin."""
    env = node_env(domain_id)
    prefixes = [p for p in env.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p]
    if (Path(sys.prefix) / "share" / "smat_ros").is_dir() and sys.prefix not in prefixes:
        prefixes.insert(0, sys.prefix)
    env["AMENT_PREFIX_PATH"] = os.pathsep.join(prefixes)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def launch_arguments(launch_file: str) -> dict[str, Any]:
    """The DeclareLaunchArgument actions of launch/``launch_file`` by name (defaults resolved against this venv)."""
    from launch.launch_description_sources.python_launch_file_utilities import (
        get_launch_description_from_python_launch_file,
    )

    os.environ.setdefault("AMENT_PREFIX_PATH", sys.prefix)
    description = get_launch_description_from_python_launch_file(str(ROOT / "launch" / launch_file))
    return {argument.name: argument for argument in description.get_launch_arguments()}


def default_of(argument: Any) -> str:
    """The default value of a declared launch argument, substituted."""
    from launch.utilities import perform_substitutions

    from launch import LaunchContext

    return perform_substitutions(LaunchContext(), argument.default_value)


class Launch:
    """A running `ros2 launch smat_ros LAUNCH_FILE ARGS dds_profile:=<the loopback profile>` (its own process group)
    and the ros2 CLI beside it."""

    def __init__(self, ros2: str, launch_file: str, args: list[str], workdir: Path, domain_id: int | None = None,
                 ) -> None:
        self.ros2 = ros2
        self.domain_id = next_domain_id() if domain_id is None else domain_id
        self.env = cli_env(self.domain_id)
        self.log_path = workdir / "launch.log"
        self._log = open(self.log_path, "w")
        command = [ros2, "launch", "smat_ros", launch_file, *args, f"dds_profile:={PROFILE}"]
        self.process = subprocess.Popen(command, cwd=workdir, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def log(self) -> str:
        """What the launch and its nodes printed so far."""
        return self.log_path.read_text()

    def cli(self, *args: str, timeout_s: float = CLI_TIMEOUT_S) -> str:
        """Run `ros2 ARGS` in the launch's domain (again while discovery has not found the node yet); its stdout
        and stderr (fails on a non-zero exit)."""
        for _ in range(10):
            result = subprocess.run([self.ros2, *args], env=self.env, capture_output=True, text=True,
                                    timeout=timeout_s)
            output = result.stdout + result.stderr
            if "Node not found" not in output:
                break
        assert result.returncode == 0, f"ros2 {' '.join(args)}: {output}\n{self.log()}"
        return output

    def lifecycle_state(self, node: str) -> str:
        """`ros2 lifecycle get NODE` (retried until discovery found the node)."""
        for _ in range(30):
            result = subprocess.run([self.ros2, "lifecycle", "get", "--no-daemon", "--spin-time", "2", node],
                                    env=self.env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
            if result.returncode == 0 and "[" in result.stdout:
                return result.stdout.split()[0]
            assert self.process.poll() is None, self.log()
        raise AssertionError(f"ros2 lifecycle get {node}: {result.stdout}{result.stderr}\n{self.log()}")

    def stop(self) -> None:
        """SIGINT the launch (it passes it to its nodes), then SIGTERM/SIGKILL its process group after a bound."""
        stop(self.process, group=True)
        self._log.close()


@pytest.fixture(scope="session")
def ros2() -> str:
    """The ros2 executable (this venv's, else PATH's); fails in CI and skips elsewhere when there is none."""
    found = shutil.which("ros2", path=str(Path(sys.executable).parent)) or shutil.which("ros2")
    if found is None:
        message = "the ros2 command line is not installed (scripts/setup.sh installs it from ../shared/ros2cli)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def launcher(ros2, tmp_path):
    """launch(launch_file, args, domain_id=None) -> a started Launch; every launch is stopped at the end of the
    test."""
    started: list[Launch] = []

    def launch(launch_file: str, args: list[str], domain_id: int | None = None) -> Launch:
        started.append(Launch(ros2, launch_file, args, tmp_path, domain_id))
        return started[-1]

    yield launch
    for launched in started:
        launched.stop()
        assert launched.process.poll() is not None


@pytest.fixture(scope="session")
def ros() -> types.SimpleNamespace:
    """The helpers above for test modules (which cannot import this conftest under --import-mode=importlib)."""
    return types.SimpleNamespace(
        launch_node=launch_node, run_module=run_module, stop=stop, next_domain_id=next_domain_id, Driver=Driver,
        node_env=node_env, launch_arguments=launch_arguments, default_of=default_of,
        stamp_of=stamp_of, boxes_of=boxes_of, init_box=INIT_BOX, root=ROOT, TrackStatus=TrackStatus,
    )
