"""/diagnostics of a running tracker node over DDS: 1 Hz, hardware_id, figures (the camera's shift with camera_motion
on), and the WARN levels (starved of images; a LOST threshold above any score); ERROR when tracking raises and after a
failed configure."""
from __future__ import annotations

import itertools
import math
import statistics

import pytest
import torch
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.qos import QoSProfile
from rclpy.time import Time
from safetensors.torch import save_file

from smat_ros.checkpoint import load_state_dict

OK, WARN, ERROR = bytes([0]), bytes([1]), bytes([2])


class Recorder:
    """Records the tracker's DiagnosticStatus messages (with their array's stamp) in a driver's node."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.received: list[tuple[int, object]] = []
        driver.node.create_subscription(DiagnosticArray, "/diagnostics", self._on_array, QoSProfile(depth=50))

    def _on_array(self, msg: DiagnosticArray) -> None:
        """Keep the tracker's status."""
        for status in msg.status:
            if status.hardware_id == "/smat_tracker":
                self.received.append((Time.from_msg(msg.header.stamp).nanoseconds, status))

    def next(self, timeout_s: float = 10.0):
        """The next status to arrive."""
        count = len(self.received)
        assert self.driver.spin_until(lambda: len(self.received) > count, timeout_s), "no /diagnostics"
        return self.received[-1][1]

    def wait_for(self, predicate, timeout_s: float = 20.0, since: int | None = None):
        """The first status arriving from now on (or received since index ``since``) for which ``predicate`` holds."""
        start = len(self.received) if since is None else since
        found = lambda: next((s for _, s in self.received[start:] if predicate(s)), None)  # noqa: E731
        assert self.driver.spin_until(lambda: found() is not None, timeout_s), [
            (s.level, s.message) for _, s in self.received[start:]]
        return found()


def values(status) -> dict[str, str]:
    """The status's key/values as a dict."""
    return {kv.key: kv.value for kv in status.values}


def track_until(session, ros, frames, predicate):
    """Set the target on a new frame, then stream frames until a /diagnostics status satisfies ``predicate``; that
    status, or None when none did within 39 frames."""
    _, driver, recorder, stamps = session
    stamp = next(stamps)
    driver.step(frames[0], stamp)
    assert driver.set_target(stamp, ros.init_box).success
    start = len(recorder.received)
    for index in range(1, 40):
        driver.step(frames[index], next(stamps))
        found = next((s for _, s in recorder.received[start:] if predicate(s)), None)
        if found is not None:
            return found
    return None


@pytest.fixture(scope="module")
def session(ros, checkpoint_path, tmp_path_factory):
    """(process, driver, recorder, stamps) of an active tracker node with a 1 s image timeout; ``stamps`` gives
    increasing frame stamps to the tests (in any order)."""
    params = {"checkpoint": str(checkpoint_path), "image_timeout_s": 1.0, "lost_score_threshold": 0.0,
              "lost_score_ratio": 0.0, "threads": 1, "image_qos": "reliable"}
    process, driver = ros.launch_node(params, tmp_path_factory.mktemp("tracker_diagnostics"))
    recorder = Recorder(driver)
    stamps = (ros.stamp_of(index) for index in itertools.count())
    yield process, driver, recorder, stamps
    driver.close()
    ros.stop(process)


def test_published_once_a_second_with_the_nodes_name_and_figures(session):
    _, driver, recorder, _ = session
    status = recorder.next()
    for _ in range(4):
        recorder.next()
    stamps = [stamp for stamp, _ in recorder.received[-5:]]
    periods = [(b - a) / 1e9 for a, b in zip(stamps, stamps[1:], strict=False)]
    assert 0.8 <= statistics.mean(periods) <= 1.25, periods
    assert status.hardware_id == "/smat_tracker" and status.name == "smat_tracker: tracking"
    shown = values(status)
    assert shown["lifecycle state"] == "active" and shown["backend"] == "onnxruntime" and shown["device"] == "cpu"
    assert {"input rate (Hz)", "processed rate (Hz)", "frames dropped", "frames rejected", "processing p50 (ms)",
            "processing p95 (ms)", "latency p50 (ms)", "latency p95 (ms)", "seconds since last image",
            "state"} <= set(shown)
    assert "camera shift (px)" not in shown  # camera_motion is off by default
    assert "re-acquisition refusals" in shown  # reacquire is on by default


def test_with_camera_motion_on_it_shows_the_cameras_shift(session, ros, frames):
    _, driver, recorder, _ = session
    assert driver.set_parameter("camera_motion", True).successful
    try:
        status = track_until(session, ros, frames,
                             lambda s: values(s).get("camera shifts believed", "0 of 0") != "0 of 0")
    finally:
        assert driver.set_parameter("camera_motion", False).successful
    assert status is not None, [values(s) for _, s in recorder.received[-3:]]
    shown = values(status)
    dx, dy = (float(part) for part in shown["camera shift (px)"].split(", "))
    assert math.isfinite(dx) and math.isfinite(dy)
    assert shown["camera shift believed"].split(" (confidence ")[0] in ("yes", "no")
    believed, estimated = (int(part) for part in shown["camera shifts believed"].split(" of "))
    assert 0 <= believed <= estimated


def test_starved_of_images_it_warns(session):
    _, _, recorder, _ = session  # no image is being sent, and the node has been active for over image_timeout_s
    status = recorder.wait_for(lambda s: s.level == WARN)
    assert "no image for" in status.message
    since = values(status)["seconds since last image"]
    assert since == "n/a" or float(since) >= 1.0


def test_tracking_with_images_flowing_is_ok_with_rates_and_percentiles(session, ros, frames):
    _, _, recorder, _ = session
    ok = track_until(session, ros, frames, lambda s: s.level == OK and values(s)["state"] == "TRACKING"
                     and values(s)["processing p50 (ms)"] != "n/a")
    assert ok is not None, [(s.level, s.message) for _, s in recorder.received[-5:]]
    shown = values(ok)
    assert float(shown["input rate (Hz)"]) > 0 and float(shown["processed rate (Hz)"]) > 0
    assert float(shown["processing p50 (ms)"]) <= float(shown["processing p95 (ms)"])
    assert float(shown["latency p50 (ms)"]) >= float(shown["processing p50 (ms)"])
    assert float(shown["seconds since last image"]) < 1.0


def test_a_lost_threshold_above_any_score_warns_lost(session, ros, frames):
    _, driver, recorder, stamps = session
    stamp = next(stamps)
    driver.step(frames[0], stamp)
    assert driver.set_target(stamp, ros.init_box).success
    for name, value in (("found_score_threshold", 1.0), ("lost_score_threshold", 1.0), ("lost_after_frames", 1)):
        assert driver.set_parameter(name, value).successful  # every score is low, the first one loses the target
    lost_from = len(recorder.received)
    try:
        for index in (1, 2, 3):  # images keep flowing while the status is awaited
            stamp = next(stamps)
            driver.step(frames[index], stamp)
            assert driver.status_for(stamp).state == ros.TrackStatus.LOST
        status = recorder.wait_for(lambda s: s.level == WARN and "target LOST" in s.message)
        # frames 2 and 3 were searched, and their candidates refused by score (no score reaches 1.0)
        refusals = recorder.wait_for(lambda s: values(s).get("re-acquisition refusals", "").startswith("score"),
                                     since=lost_from)
    finally:
        for name, value in (("lost_score_threshold", 0.0), ("found_score_threshold", 0.5), ("lost_after_frames", 3)):
            assert driver.set_parameter(name, value).successful
    assert values(status)["state"] == "LOST"
    searched = values(refusals)["re-acquisition refusals"]  # e.g. "score 2 of 2 LOST frames"
    reason_count, lost = searched.removesuffix(" LOST frames").split(" of ")
    assert reason_count.split(", ")[0].startswith("score ") and 1 <= int(reason_count.split()[1]) <= int(lost)
    later = recorder.wait_for(lambda s: "no image for" in s.message)  # and starved again once images stop
    assert later.level == WARN and float(values(later)["seconds since last image"]) >= 1.0


def test_after_a_failed_configure_it_reports_the_reason_as_an_error(ros, tmp_path):
    process, driver = ros.launch_node({"checkpoint": "/nonexistent/smat.pth.tar"}, tmp_path, active=False)
    try:
        status = Recorder(driver).wait_for(lambda s: s.level == ERROR, 60.0)
    finally:
        driver.close()
        ros.stop(process)
    assert "checkpoint not found: /nonexistent/smat.pth.tar" in status.message
    assert values(status)["lifecycle state"] == "unconfigured"


def test_tracking_that_raises_is_an_error(ros, checkpoint_path, frames, tmp_path):
    """Weights that make the network output NaN: every track step raises, /diagnostics says ERROR with the reason."""
    weights = {name: torch.full_like(tensor, math.nan) if tensor.is_floating_point() else tensor
               for name, tensor in load_state_dict(checkpoint_path).items()}
    corrupt = tmp_path / "nan.safetensors"
    save_file(weights, str(corrupt))
    params = {"checkpoint": str(corrupt), "threads": 1, "image_qos": "reliable", "image_timeout_s": 30.0}
    process, driver = ros.launch_node(params, tmp_path)
    try:
        recorder = Recorder(driver)
        driver.step(frames[0], ros.stamp_of(0))
        assert driver.set_target(ros.stamp_of(0), ros.init_box).success
        for index in (1, 2):
            driver.step(frames[index], ros.stamp_of(index))
        status = driver.status_for(ros.stamp_of(2))
        assert status.state == ros.TrackStatus.LOST and "tracking failed" in status.last_error
        error = recorder.wait_for(lambda s: s.level == ERROR)
    finally:
        driver.close()
        ros.stop(process)
    assert "tracking raised" in error.message and "non-finite" in error.message, error.message
