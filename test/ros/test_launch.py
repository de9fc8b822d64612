"""tracker.launch.py with the real launch system and command line (ros2launch, ros2lifecycle, ros2param, ros2service,
ros2topic; scripts/setup.sh installs them from ../shared/ros2cli, a ROS install has them): its declared arguments,
then `ros2 launch smat_ros tracker.launch.py` run for real against the installed package, over DDS in its own domain,
with the CLI verbs a user would type. Every launch is stopped with SIGINT, then SIGTERM/SIGKILL to its process group.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import cv2
import yaml

LAUNCH_FILE = "tracker.launch.py"
CLI_TIMEOUT_S = 90.0  # the answer of `ros2 topic echo --once`


def params_file(tmp_path: Path, **params) -> Path:
    """A /**: ros__parameters: YAML file with ``params``."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"/**": {"ros__parameters": params}}))
    return path


def test_declared_arguments_with_installed_defaults(ros):
    arguments = ros.launch_arguments(LAUNCH_FILE)
    assert set(arguments) == {"params_file", "namespace", "image", "checkpoint", "autostart", "dds_profile"}
    assert all(argument.description for argument in arguments.values())
    defaults = {name: ros.default_of(argument) for name, argument in arguments.items()}
    assert Path(defaults["params_file"]).is_file() and Path(defaults["params_file"]).name == "tracker.yaml"
    assert Path(defaults["dds_profile"]).is_file()
    assert (defaults["image"], defaults["namespace"], defaults["checkpoint"], defaults["autostart"]) == (
        "image", "", "", "")
    assert set(arguments["autostart"].choices) >= {"true", "false"}


def test_launch_with_its_arguments_tracks_and_answers_the_command_line(ros, launcher, tmp_path, checkpoint_path,
                                                                       frames):
    params = params_file(tmp_path, threads=1, image_qos="reliable", lost_score_threshold=0.0, lost_score_ratio=0.0,
                         frame_buffer_s=3.0)
    launched = launcher(LAUNCH_FILE, [f"checkpoint:={checkpoint_path}", "namespace:=robot1", "image:=/cam/color",
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
    launched = launcher(LAUNCH_FILE, [f"checkpoint:={checkpoint_path}", "autostart:=false", f"params_file:={params}"])
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
    launched = launcher(LAUNCH_FILE, [f"checkpoint:={missing}"])
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
        launched = launcher("video_tracker.launch.py", [f"checkpoint:={checkpoint_path}", f"source:={folder}",
                                                        "loop:=true", "sync:=true", "namespace:=robot2",
                                                        "image:=cam/image", f"params_file:={params}"],
                            domain_id=domain_id)
        assert driver.spin_until(lambda: len(driver.detections) >= 6, 180.0), launched.log()
    finally:
        driver.close()
    assert "playing" in launched.log() and "images from /robot2/cam/image" in launched.log()
