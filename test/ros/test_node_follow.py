"""Follow-me outputs of the node over DDS: FollowTarget and target_ray with and without camera_info, the events of a
scripted loss and recovery in order, the status heartbeat without images, and the follow parameters at run time
(the drift check and camera-motion compensation among them)."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from geometry_msgs.msg import Vector3Stamped
from rclpy.qos import QoSProfile
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo

from smat_ros.follow.scenarios import shift_frame
from smat_ros.msg import FollowTarget, TrackStatus

K = [600.0, 0.0, 384.0, 0.0, 600.0, 288.0, 0.0, 0.0, 1.0]
D = [-0.2, 0.05, 0.001, -0.001, 0.0]


@pytest.fixture()
def node(ros, tmp_path):
    """(process, driver) of a tracker node with the demo weights, recording ~/target and ~/target_ray by stamp."""
    params = {"checkpoint": str(ros.root / "weights" / "smat_demo.safetensors"), "backend": "torch", "threads": 1,
              "image_qos": "reliable", "frame_buffer_s": 5.0}
    process, driver = ros.launch_node(params, tmp_path)
    driver.targets, driver.rays = {}, {}
    qos = QoSProfile(depth=50)
    driver.node.create_subscription(
        FollowTarget, "/smat_tracker/target",
        lambda msg: driver.targets.__setitem__(Time.from_msg(msg.header.stamp).nanoseconds, msg), qos)
    driver.node.create_subscription(
        Vector3Stamped, "/smat_tracker/target_ray",
        lambda msg: driver.rays.__setitem__(Time.from_msg(msg.header.stamp).nanoseconds, msg), qos)
    driver.info_pub = driver.node.create_publisher(CameraInfo, "camera_info", qos)
    assert driver.spin_until(lambda: driver.node.count_publishers("/smat_tracker/target") > 0
                             and driver.info_pub.get_subscription_count() > 0)
    yield process, driver
    driver.close()
    ros.stop(process)


def step(driver, frame: np.ndarray, stamp_ns: int) -> tuple:
    """One frame through the node: its detections, status and FollowTarget."""
    detections = driver.step(frame, stamp_ns)
    assert driver.spin_until(lambda: stamp_ns in driver.targets), f"no FollowTarget for {stamp_ns}"
    return detections, driver.status_for(stamp_ns), driver.targets[stamp_ns]


def centre_of(box) -> tuple[float, float]:
    """Centre (u, v) of an (x, y, w, h) box."""
    return box[0] + 0.5 * box[2], box[1] + 0.5 * box[3]


def test_follow_target_and_ray_without_and_with_camera_info(node, ros, frames):
    _, driver = node
    driver.step(frames[0], ros.stamp_of(0))
    assert driver.set_target(ros.stamp_of(0), ros.init_box).success
    assert driver.spin_until(lambda: ros.stamp_of(0) in driver.targets)  # the target's own frame
    for index in (1, 2, 3):
        detections, status, target = step(driver, frames[index], ros.stamp_of(index))
        assert status.state == target.state == TrackStatus.TRACKING and target.visible
        assert not target.has_bearing and target.seconds_since_seen == 0.0
        assert (target.image_width, target.image_height) == (768, 576)
        u, v = centre_of(ros.boxes_of(detections)[0])
        assert target.center_x_norm == pytest.approx(u / 384.0 - 1.0, abs=1e-6)
        assert target.center_y_norm == pytest.approx(v / 288.0 - 1.0, abs=1e-6)
        assert target.age_s >= 0.0 and target.header.frame_id == "camera"
    assert target.velocity_x_norm < 0  # he walks to the left
    driver.spin_until(lambda: False, 1.0)
    assert not driver.rays  # no camera info: no ray
    for index in (4, 5, 6):
        info = CameraInfo(header=driver.header(ros.stamp_of(index)), width=768, height=576,
                          distortion_model="plumb_bob", k=K, d=D)
        driver.info_pub.publish(info)
        driver.spin_until(lambda: False, 0.3)
        detections, status, target = step(driver, frames[index], ros.stamp_of(index))
        assert target.has_bearing and status.state == TrackStatus.TRACKING
        u, v = centre_of(ros.boxes_of(detections)[0])
        x, y = cv2.undistortPoints(np.array([[[u, v]]]), np.array(K).reshape(3, 3), np.array(D)).reshape(2)
        assert target.azimuth == pytest.approx(math.atan2(x, 1.0), abs=1e-6)
        assert target.elevation == pytest.approx(math.atan2(-y, math.hypot(x, 1.0)), abs=1e-6)
        assert driver.spin_until(lambda index=index: ros.stamp_of(index) in driver.rays)
        ray = driver.rays[ros.stamp_of(index)]
        norm = math.hypot(x, y, 1.0)
        assert (ray.vector.x, ray.vector.y, ray.vector.z) == pytest.approx((x / norm, y / norm, 1 / norm), abs=1e-6)
        assert ray.header.frame_id == "camera"


def test_events_in_order_for_a_scripted_loss_recovery_timeout_and_clear(node, ros, frames):
    _, driver = node
    black = np.zeros_like(frames[0])
    driver.step(frames[0], ros.stamp_of(0))
    assert driver.set_target(ros.stamp_of(0), ros.init_box).success
    script = [frames[i] for i in range(1, 5)] + [black] * 5 + [frames[i] for i in range(10, 16)]
    outputs = [step(driver, frame, ros.stamp_of(i)) for i, frame in enumerate(script, 1)]
    states = [status.state for _, status, _ in outputs]
    events = [status.event for _, status, _ in outputs]
    assert TrackStatus.LOST in states and states[-1] == TrackStatus.TRACKING
    lost_at = events.index(TrackStatus.EVENT_LOST)
    back_at = events.index(TrackStatus.EVENT_REACQUIRED)
    assert 4 <= lost_at <= 8 < back_at  # lost during the black frames (after lost_after_frames), back after them
    assert back_at <= 8 + 15
    started = [s for s in driver.statuses if s.event == TrackStatus.EVENT_STARTED]
    assert len(started) == 1
    for detections, status, target in outputs[lost_at:back_at]:
        assert status.state == TrackStatus.LOST and detections.detections == [] and not target.visible
        assert status.seconds_since_seen > 0 and target.seconds_since_seen == pytest.approx(status.seconds_since_seen)
        assert target.center_x_norm == outputs[lost_at - 1][2].center_x_norm  # the last values seen
    assert outputs[back_at][0].detections and outputs[back_at][2].visible
    # a timeout at run time: black frames 0.1 s apart, LOST, then IDLE after 0.5 s with the reason
    assert driver.set_parameter("target_timeout_s", 0.5).successful
    tail = [step(driver, black, ros.stamp_of(i)) for i in range(len(script) + 1, len(script) + 13)]
    tail_events = [status.event for _, status, _ in tail]
    assert tail_events.count(TrackStatus.EVENT_LOST) == 1 and tail_events.count(TrackStatus.EVENT_TIMED_OUT) == 1
    timed_out = tail[tail_events.index(TrackStatus.EVENT_TIMED_OUT)][1]
    assert timed_out.state == TrackStatus.IDLE and "target_timeout_s" in timed_out.last_error
    assert timed_out.seconds_since_seen > 0.5
    assert tail[-1][1].state == TrackStatus.IDLE and tail[-1][1].track_id == "" and tail[-1][2].state == 0
    # a new target, then clear: STARTED, CLEARED
    assert driver.set_target(0, ros.init_box).success
    assert driver.clear().success
    assert driver.spin_until(lambda: driver.statuses[-1].event == TrackStatus.EVENT_CLEARED)
    events_seen = [s.event for s in driver.statuses if s.event != TrackStatus.EVENT_NONE]
    assert events_seen == [TrackStatus.EVENT_STARTED, TrackStatus.EVENT_LOST, TrackStatus.EVENT_REACQUIRED,
                           TrackStatus.EVENT_LOST, TrackStatus.EVENT_TIMED_OUT, TrackStatus.EVENT_STARTED,
                           TrackStatus.EVENT_CLEARED]


def test_reacquisition_checks_change_at_run_time(node, ros, frames):
    """A backward check nothing can pass keeps the target LOST after a black-out; the default brings it back."""
    _, driver = node
    black = np.zeros_like(frames[0])
    for name, value in (("verify_iou", 1.5), ("appearance_ratio", -0.1), ("far_extra_frames", -1),
                        ("proposal_ratio", 2.0), ("distractor_ratio", 1.5), ("distractor_memory_s", -1.0),
                        ("reacquire_tile_step", 0.05), ("max_size_change", 0.5), ("max_prediction_s", -1.0),
                        ("reacquire_scales", [1.0, 20.0]), ("reacquire_scales", [])):
        assert not driver.set_parameter(name, value).successful, name  # out of range
    driver.step(frames[0], ros.stamp_of(0))
    assert driver.set_target(ros.stamp_of(0), ros.init_box).success
    for name, value in (("verify_iou", 1.0), ("verify_ratio", 1.0), ("appearance_ratio", 0.5),
                        ("far_extra_frames", 2), ("proposal_ratio", 0.6), ("distractor_ratio", 0.5),
                        ("distractor_memory_s", 5.0), ("reacquire_tile_step", 0.5), ("max_size_change", 2.0),
                        ("max_prediction_s", 1.0), ("reacquire_scales", [1.0])):
        result = driver.set_parameter(name, value)
        assert result.successful, (name, result.reason)
    script = [frames[i] for i in range(1, 5)] + [black] * 5 + [frames[i] for i in range(10, 18)]
    states = [step(driver, frame, ros.stamp_of(i))[1].state for i, frame in enumerate(script, 1)]
    assert states[-8:] == [TrackStatus.LOST] * 8  # he is back in view, but no candidate passes verify_iou 1.0
    assert driver.set_parameter("verify_iou", 0.5).successful and driver.set_parameter("verify_ratio", 0.7).successful
    for name, value in (("far_extra_frames", 1), ("reacquire_tile_step", 0.75), ("max_size_change", 1.5),
                        ("max_prediction_s", 2.0), ("reacquire_scales", [1.0, 0.8, 1.25])):
        assert driver.set_parameter(name, value).successful, name
    states = [step(driver, frames[i], ros.stamp_of(i))[1].state for i in range(18, 33)]
    assert TrackStatus.TRACKING in states


def test_the_candidate_association_is_set_at_run_time(node, tmp_path):
    """An association model file that cannot be read is refused when the association is on, with its name."""
    _, driver = node
    missing = str(tmp_path / "none.json")
    try:
        assert not driver.set_parameter("association_min", 1.5).successful  # out of range
        assert driver.set_parameter("association_model", missing).successful  # off: the file is not read
        refused = driver.set_parameter("association_min", 0.1)
        assert not refused.successful and missing in refused.reason
        assert driver.set_parameter("association_model", "").successful
        result = driver.set_parameter("association_min", 0.1)  # the model fitted with the demo weights
        assert result.successful, result.reason
        refused = driver.set_parameter("association_model", missing)
        assert not refused.successful and missing in refused.reason
    finally:
        driver.set_parameter("association_min", 0.0)
        driver.set_parameter("association_model", "")


def test_heartbeat_without_images_and_its_rate_at_run_time(node, ros, frames):
    _, driver = node

    def heartbeats(seconds: float) -> list[TrackStatus]:
        """The statuses that arrive in the next ``seconds``."""
        start = len(driver.statuses)
        driver.spin_until(lambda: False, seconds)
        return driver.statuses[start:]

    beats = heartbeats(3.0)
    assert 4 <= len(beats) <= 8  # 2 Hz by default
    assert all(b.seconds_since_image == -1.0 and b.state == TrackStatus.IDLE for b in beats)
    assert driver.set_parameter("status_rate_hz", 10.0).successful
    assert len(heartbeats(2.0)) >= 12
    assert driver.set_parameter("status_rate_hz", 0.0).successful
    assert heartbeats(1.5) == []
    assert driver.set_parameter("status_rate_hz", 4.0).successful
    driver.step(frames[0], ros.stamp_of(0))
    later = heartbeats(2.0)
    assert len(later) >= 5
    assert 0.0 <= later[0].seconds_since_image < later[-1].seconds_since_image  # a dead camera shows


def test_follow_parameters_are_checked_together_at_run_time(node):
    _, driver = node
    result = driver.set_parameter("found_score_threshold", 0.1)  # below lost_score_threshold 0.25
    assert not result.successful and "lost_score_threshold" in result.reason
    result = driver.set_parameter("lost_after_frames", 0)
    assert not result.successful
    for name, value in (("lost_after_frames", 5), ("found_after_frames", 3), ("reacquire", False),
                        ("reacquire_budget", 4), ("found_score_ratio", 0.0), ("lost_score_ratio", 0.0)):
        result = driver.set_parameter(name, value)
        assert result.successful, (name, result.reason)


def test_the_drift_check_turned_on_at_run_time_sees_the_node_follow_someone_else(node, ros, frames, tmp_path):
    """A 300 px camera jerk puts another walker in the window and the network follows him with good scores: with
    drift_check_every 0 (the default) the node stays TRACKING on him; set to 2 at run time, the backward check turns
    the track LOST within a few frames."""
    _, driver = node
    driver.step(frames[0], ros.stamp_of(0))
    assert driver.set_target(ros.stamp_of(0), ros.init_box).success
    for index in range(1, 15):
        assert step(driver, frames[index], ros.stamp_of(index))[1].state == TrackStatus.TRACKING
    off = [step(driver, shift_frame(frames[i], -300, 0), ros.stamp_of(i))[1] for i in range(15, 23)]
    assert [s.state for s in off] == [TrackStatus.TRACKING] * 8  # on the other walker, unnoticed
    assert not driver.set_parameter("drift_check_every", -1).successful  # out of range
    assert driver.set_parameter("drift_check_every", 2).successful
    on = [step(driver, shift_frame(frames[i], -300, 0), ros.stamp_of(i))[1] for i in range(23, 33)]
    events = [s.event for s in on]
    assert TrackStatus.EVENT_LOST in events and events.index(TrackStatus.EVENT_LOST) < 6
    assert "the backward check failed" in (tmp_path / "node.log").read_text()


def test_camera_motion_turned_on_at_run_time_keeps_the_target_through_a_jerk(node, ros, frames):
    """The same jerk with camera_motion on: the node moves its search with the image and never loses him."""
    _, driver = node
    assert not driver.set_parameter("camera_motion_confidence", 1.5).successful  # out of range
    assert driver.set_parameter("camera_motion", True).successful
    driver.step(frames[0], ros.stamp_of(0))
    assert driver.set_target(ros.stamp_of(0), ros.init_box).success
    outputs = [step(driver, frames[i], ros.stamp_of(i)) for i in range(1, 15)]
    outputs += [step(driver, shift_frame(frames[i], -300, 0), ros.stamp_of(i)) for i in range(15, 25)]
    assert [status.state for _, status, _ in outputs] == [TrackStatus.TRACKING] * 24
    before, after = (centre_of(ros.boxes_of(outputs[i][0])[0]) for i in (13, 14))  # frames 14 and 15
    assert after[0] - before[0] == pytest.approx(-300, abs=20) and after[1] == pytest.approx(before[1], abs=20)
