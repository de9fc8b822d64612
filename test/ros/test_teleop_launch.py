"""teleop.launch.py with the real launch system (scripts/setup.sh installs ros2launch from ../shared/ros2cli): its
arguments, then `ros2 launch smat_ros teleop.launch.py` run for real: the included tracker and the UI in a
namespace on a remapped camera topic, the UI pointed at that tracker, a target set through the UI's API."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from smat_ros.ros.clock import format_ns

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 120.0


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


def test_declared_arguments_with_installed_defaults():
    from launch.launch_description_sources.python_launch_file_utilities import (
        get_launch_description_from_python_launch_file,
    )
    from launch.utilities import perform_substitutions

    from launch import LaunchContext

    os.environ.setdefault("AMENT_PREFIX_PATH", sys.prefix)
    description = get_launch_description_from_python_launch_file(str(ROOT / "launch" / "teleop.launch.py"))
    arguments = {argument.name: argument for argument in description.get_launch_arguments()}
    assert {"tracker", "teleop_params_file", "host", "port", "token", "video"} <= set(arguments)
    assert {"params_file", "namespace", "image", "checkpoint"} <= set(arguments)  # the included tracker's
    assert all(argument.description for argument in arguments.values())
    params = perform_substitutions(LaunchContext(), arguments["teleop_params_file"].default_value)
    assert Path(params).is_file() and Path(params).name == "teleop.yaml"


def api(url: str, path: str, token: str, body: dict | None = None) -> dict:
    """GET (or POST ``body`` to) the UI's API with the token."""
    request = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_launch_starts_tracker_and_ui_in_a_namespace_and_a_target_set_through_the_ui_tracks(
        ros, ros2, tmp_path, checkpoint_path, frames):
    params = tmp_path / "tracker.yaml"
    params.write_text(yaml.safe_dump({"/**": {"ros__parameters": {
        "threads": 1, "image_qos": "reliable", "lost_score_threshold": 0.0, "lost_score_ratio": 0.0,
        "frame_buffer_s": 5.0}}}))
    domain_id = ros.next_domain_id()
    env = ros.node_env(domain_id)
    env["AMENT_PREFIX_PATH"] = os.pathsep.join([sys.prefix, env.get("AMENT_PREFIX_PATH", "")]).rstrip(os.pathsep)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    log_path = tmp_path / "launch.log"
    with open(log_path, "w") as log:
        launched = subprocess.Popen(
            [ros2, "launch", "smat_ros", "teleop.launch.py", f"checkpoint:={checkpoint_path}",
             f"dds_profile:={ROOT / 'config' / 'fastdds_localhost.xml'}", f"params_file:={params}",
             "namespace:=robot1", "image:=/cam/color", "port:=0", "token:=t0ken"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    driver = None
    try:
        pattern = re.compile(r"teleop UI at (http://\S+?/)\?token=t0ken")
        deadline = time.monotonic() + WAIT_S
        while not (found := pattern.search(log_path.read_text())):
            assert launched.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        url = found.group(1)
        assert "(video from /cam/color, tracker /robot1/smat_tracker)" in log_path.read_text()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "api/state", timeout=30)
        assert refused.value.code == 401

        driver = ros.Driver(domain_id, node_name="/robot1/smat_tracker", image_topic="/cam/color")
        driver.wait_ready(launched)
        index = 0
        driver.step(frames[0], ros.stamp_of(index))
        while "status" not in (state := api(url, "api/state", "t0ken")):  # until the UI has the tracker's status
            assert time.monotonic() < deadline, state
            index += 1
            driver.step(frames[0], ros.stamp_of(index))  # the person stands still; new stamps
            time.sleep(0.2)
        assert state["stats"]["video_topic"] == "/cam/color"
        stamp = ros.stamp_of(index)
        answer = api(url, "api/set_target", "t0ken",
                     {"stamp": {"sec": stamp // 10**9, "nanosec": stamp % 10**9}, "box": list(ros.init_box)})
        assert answer["success"] and f"stamped {format_ns(stamp)} s" in answer["message"], answer
        detections = driver.step(frames[1], ros.stamp_of(index + 1))
        assert [d.id for d in detections.detections] == [answer["track_id"]]
        assert driver.status_for(ros.stamp_of(index + 1)).state == ros.TrackStatus.TRACKING
    finally:
        if driver is not None:
            driver.close()
        ros.stop(launched, group=True)
