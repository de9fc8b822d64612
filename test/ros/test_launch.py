"""tracker.launch.py with the real launch system and command line (ros2launch, ros2lifecycle, ros2param, ros2service,
ros2topic; scripts/setup.sh installs them from ../shared/ros2cli, a ROS install has them): its declared arguments,
then `ros2 launch smat_ros tracker.launch.py` run for real against the installed package, over DDS in its own domain,
with the CLI verbs a user would type. Every launch is stopped with SIGINT, then SIGTERM/SIGKILL to its process group.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_FILE = "tracker.launch.py"
CLI_TIMEOUT_S = 90.0


@pytest.fixture(scope="module")
def ros2() -> str:
    """The ros2 executable (this venv's, else PATH's); fails in CI and skips elsewhere when there is none."""
    found = shutil.which("ros2", path=str(Path(sys.executable).parent)) or shutil.which("ros2")
    if found is None:
        message = "the ros2 command line is not installed (scripts/setup.sh installs it from ../shared/ros2cli)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def cli_env(ros, domain_id: int) -> dict[str, str]:
    """Environment of ros2 commands: the node's domain and loopback profile, this venv's ament index and bin."""
    env = ros.node_env(domain_id)
    prefixes = [p for p in env.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p]
    if (Path(sys.prefix) / "share" / "smat_ros").is_dir() and sys.prefix not in prefixes:
        prefixes.insert(0, sys.prefix)
    env["AMENT_PREFIX_PATH"] = os.pathsep.join(prefixes)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


class Launch:
    """A running `ros2 launch smat_ros tracker.launch.py ARGS` (its own process group) and the ros2 CLI beside it."""

    def __init__(self, ros, ros2: str, args: list[str], workdir: Path, launch_file: str = LAUNCH_FILE,
                 domain_id: int | None = None) -> None:
        self.ros, self.ros2 = ros, ros2
        self.domain_id = ros.next_domain_id() if domain_id is None else domain_id
        self.env = cli_env(ros, self.domain_id)
        self.log_path = workdir / "launch.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen([ros2, "launch", "smat_ros", launch_file, *args], cwd=workdir, env=self.env,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self) -> str:
        """What the launch and its node printed so far."""
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
        """SIGINT the launch (it passes it to the node), then SIGTERM/SIGKILL its process group after a bound."""
        self.ros.stop(self.process, group=True)
        self._log.close()


@pytest.fixture
def launcher(ros, ros2, tmp_path):
    """launch(args, **options) -> a started Launch; every launch is stopped at the end of the test."""
    started: list[Launch] = []

    def launch(args: list[str], **options) -> Launch:
        started.append(Launch(ros, ros2, args, tmp_path, **options))
        return started[-1]

    yield launch
    for launched in started:
        launched.stop()
        assert launched.process.poll() is not None


def params_file(tmp_path: Path, **params) -> Path:
    """A /**: ros__parameters: YAML file with ``params``."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"/**": {"ros__parameters": params}}))
    return path


def common_args(checkpoint: Path) -> list[str]:
    """checkpoint and the loopback DDS profile for the launched node."""
    return [f"checkpoint:={checkpoint}", f"dds_profile:={ROOT / 'config' / 'fastdds_localhost.xml'}"]


def test_declared_arguments_with_installed_defaults():
    from launch.launch_description_sources.python_launch_file_utilities import (
        get_launch_description_from_python_launch_file,
    )
    from launch.utilities import perform_substitutions

    from launch import LaunchContext

    os.environ.setdefault("AMENT_PREFIX_PATH", sys.prefix)
    description = get_launch_description_from_python_launch_file(str(ROOT / "launch" / LAUNCH_FILE))
    arguments = {argument.name: argument for argument in description.get_launch_arguments()}
    assert set(arguments) == {"params_file", "namespace", "image", "checkpoint", "autostart", "dds_profile"}
    assert all(argument.description for argument in arguments.values())
    defaults = {name: perform_substitutions(LaunchContext(), argument.default_value)
                for name, argument in arguments.items()}
    assert Path(defaults["params_file"]).is_file() and Path(defaults["params_file"]).name == "tracker.yaml"
    assert Path(defaults["dds_profile"]).is_file()
    assert (defaults["image"], defaults["namespace"], defaults["checkpoint"], defaults["autostart"]) == (
        "image", "", "", "")
    assert set(arguments["autostart"].choices) >= {"true", "false"}


def test_launch_with_its_arguments_tracks_and_answers_the_command_line(ros, launcher, tmp_path, checkpoint_path,
                                                                       frames):
    params = params_file(tmp_path, threads=1, image_qos="reliable", lost_score_threshold=0.0, lost_score_ratio=0.0,
                         frame_buffer_s=3.0)
    launched = launcher([*common_args(checkpoint_path), "namespace:=robot1", "image:=/cam/color",
                         f"params_file:={params}"])
    node = "/robot1/smat_tracker"
    assert launched.lifecycle_state(node) == "active"
    assert "Double value is: 3.0" in launched.cli("param", "get", "--no-daemon", node, "frame_buffer_s")
    assert "Set parameter successful" in launched.cli("param", "set", "--no-daemon", node, "frame_buffer_s", "2.0")
    assert "Setting parameter failed" in launched.cli("param", "set", "--no-daemon", node, "lost_score_threshold",
                                                      "7.0")

    driver = ros.Driver(launched.domain_id, node_name=node, image_topic="/cam/color")
    try:
        driver.wait_ready(launched.process)  # the image remap: the node subscribes to /cam/color
        driver.step(frames[0], ros.stamp_of(0))
        stamp = ros.stamp_of(0)
        x, y, w, h = ros.init_box
        request = (f"{{header: {{stamp: {{sec: {stamp // 10**9}, nanosec: {stamp % 10**9}}}}}, "
                   f"bbox: {{center: {{position: {{x: {x + w / 2}, y: {y + h / 2}}}}}, size_x: {w}, size_y: {h}}}}}")
        answer = launched.cli("service", "call", f"{node}/set_target", "smat_ros/srv/SetTarget", request)
        assert "success=True" in answer, answer
        track_id = re.search(r"track_id='([0-9a-f]+)'", answer).group(1)

        echoed: dict[str, str] = {}
        echo = threading.Thread(target=lambda: echoed.update(detections=launched.cli(
            "topic", "echo", "--once", "--no-daemon", f"{node}/detections", "vision_msgs/msg/Detection2DArray")))
        echo.start()
        index = 1
        while echo.is_alive() and index < 40:  # frames until `ros2 topic echo` has matched and printed one
            driver.step(frames[index], ros.stamp_of(index))
            echo.join(timeout=0.5)
            index += 1
        echo.join(timeout=CLI_TIMEOUT_S)
        assert f"id: {track_id}" in echoed["detections"], echoed
        diagnostics = launched.cli("topic", "echo", "--once", "--no-daemon", "/diagnostics",
                                   "diagnostic_msgs/msg/DiagnosticArray")
        assert f"hardware_id: {node}" in diagnostics, diagnostics

        answer = launched.cli("service", "call", f"{node}/clear_target", "std_srvs/srv/Trigger")
        assert "success=True" in answer and "target cleared" in answer, answer
    finally:
        driver.close()
    assert "configured:" in launched.log() and "images from /cam/color" in launched.log()


def test_autostart_false_waits_for_ros2_lifecycle(ros, launcher, tmp_path, checkpoint_path, frames):
    params = params_file(tmp_path, threads=1, image_qos="reliable", lost_score_threshold=0.0, lost_score_ratio=0.0)
    launched = launcher([*common_args(checkpoint_path), "autostart:=false", f"params_file:={params}"])
    node = "/smat_tracker"
    assert launched.lifecycle_state(node) == "unconfigured"
    assert "configured:" not in launched.log()
    assert "Transitioning successful" in launched.cli("lifecycle", "set", "--no-daemon", node, "configure")
    assert launched.lifecycle_state(node) == "inactive"
    assert "Transitioning successful" in launched.cli("lifecycle", "set", "--no-daemon", node, "activate")
    assert launched.lifecycle_state(node) == "active"

    driver = ros.Driver(launched.domain_id)
    try:
        driver.wait_ready(launched.process)
        assert driver.step(frames[0], ros.stamp_of(0)).detections == []
        assert "Transitioning successful" in launched.cli("lifecycle", "set", "--no-daemon", node, "deactivate")
        assert launched.lifecycle_state(node) == "inactive"
        assert driver.spin_until(lambda: driver.image_pub.get_subscription_count() == 0, 30.0)
        driver.publish(frames[1], ros.stamp_of(1))
        driver.spin_until(lambda: False, 2.0)
        assert ros.stamp_of(1) not in driver.detections
    finally:
        driver.close()


def test_a_bad_checkpoint_fails_configure_and_the_launched_node_stays_up(launcher, tmp_path):
    missing = tmp_path / "missing.pth.tar"
    launched = launcher(common_args(missing))
    node = "/smat_tracker"
    assert launched.lifecycle_state(node) == "unconfigured"
    assert f"configure failed: checkpoint not found: {missing}" in launched.log()
    assert "Transitioning failed" in launched.cli("lifecycle", "set", "--no-daemon", node, "configure")
    assert launched.lifecycle_state(node) == "unconfigured" and launched.process.poll() is None


def test_video_tracker_pipeline_plays_a_folder_into_the_tracker(ros, launcher, tmp_path, checkpoint_path, frames):
    folder = tmp_path / "clip"
    folder.mkdir()
    for index in range(4):
        cv2.imwrite(str(folder / f"{index:04d}.png"), cv2.cvtColor(frames[index], cv2.COLOR_RGB2BGR))
    params = params_file(tmp_path, threads=1, image_qos="reliable")
    domain_id = ros.next_domain_id()
    driver = ros.Driver(domain_id, node_name="/robot2/smat_tracker", image_topic="/robot2/cam/image")
    try:
        launched = launcher([*common_args(checkpoint_path), f"source:={folder}", "loop:=true", "sync:=true",
                             "namespace:=robot2", "image:=cam/image", f"params_file:={params}"],
                            launch_file="video_tracker.launch.py", domain_id=domain_id)
        assert driver.spin_until(lambda: len(driver.detections) >= 6, 180.0), launched.log()
    finally:
        driver.close()
    assert "playing" in launched.log() and "images from /robot2/cam/image" in launched.log()
