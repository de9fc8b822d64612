"""teleop.launch.py with the real launch system (scripts/setup.sh installs ros2launch from ../shared/ros2cli): its
arguments, then `ros2 launch smat_ros teleop.launch.py` run for real: the included tracker and the UI in a
namespace on a remapped camera topic, the UI pointed at that tracker, a target set through the UI's API."""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from smat_ros.ros.clock import format_ns

WAIT_S = 120.0


def test_declared_arguments_with_installed_defaults(ros):
    arguments = ros.launch_arguments("teleop.launch.py")
    assert {"tracker", "teleop_params_file", "host", "port", "token", "video"} <= set(arguments)
    assert {"params_file", "namespace", "image", "checkpoint"} <= set(arguments)  # the included tracker's
    assert all(argument.description for argument in arguments.values())
    params = ros.default_of(arguments["teleop_params_file"])
    assert Path(params).is_file() and Path(params).name == "teleop.yaml"


def api(url: str, path: str, token: str, body: dict | None = None) -> dict:
    """GET (or POST ``body`` to) the UI's API with the token."""
    request = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_launch_starts_tracker_and_ui_in_a_namespace_and_a_target_set_through_the_ui_tracks(
        ros, launcher, tmp_path, checkpoint_path, frames):
    params = tmp_path / "tracker.yaml"
    params.write_text(yaml.safe_dump({"/**": {"ros__parameters": {
        "threads": 1, "image_qos": "reliable", "lost_score_threshold": 0.0, "lost_score_ratio": 0.0,
        "frame_buffer_s": 5.0}}}))
    launched = launcher("teleop.launch.py", [f"checkpoint:={checkpoint_path}", f"params_file:={params}",
                                             "namespace:=robot1", "image:=/cam/color", "port:=0", "token:=t0ken"])
    driver = None
    try:
        pattern = re.compile(r"teleop UI at (http://\S+?/)\?token=t0ken")
        deadline = time.monotonic() + WAIT_S
        while not (found := pattern.search(launched.log())):
            assert launched.process.poll() is None and time.monotonic() < deadline, launched.log()
            time.sleep(0.2)
        url = found.group(1)
        assert "(video from /cam/color, tracker /robot1/smat_tracker)" in launched.log()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "api/state", timeout=30)
        assert refused.value.code == 401

        driver = ros.Driver(launched.domain_id, node_name="/robot1/smat_tracker", image_topic="/cam/color")
        driver.wait_ready(launched.process)
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
