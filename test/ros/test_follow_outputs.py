"""FollowTarget / target ray builders and the camera-info matcher (no DDS)."""
from __future__ import annotations

import math

import pytest
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from smat_ros.follow.geometry import CameraModelError
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.follow.target import TargetEstimator
from smat_ros.ros.follow_outputs import CameraInfoMatcher, camera_model, follow_target, target_ray

K = [500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0]


def info(stamp_s: int = 0, width: int = 640, height: int = 480, k=K) -> CameraInfo:
    """A pinhole CameraInfo."""
    msg = CameraInfo(width=width, height=height, distortion_model="plumb_bob", k=k, d=[0.0] * 5)
    msg.header.stamp.sec = stamp_s
    return msg


def test_follow_target_and_ray_from_an_estimate() -> None:
    estimator = TargetEstimator()
    estimate = estimator.update((400.0, 200.0, 40.0, 80.0), 0.7, TrackState.TRACKING, TrackEvent.STARTED, 0.0,
                                10.0, 640, 480, camera_model(info(), 640, 480))
    header = Header(frame_id="camera_optical")
    msg = follow_target(header, estimate, "abc", 10.25)
    assert msg.header.frame_id == "camera_optical" and msg.track_id == "abc" and msg.visible
    assert msg.state == TrackState.TRACKING and (msg.image_width, msg.image_height) == (640, 480)
    assert msg.center_x_norm == pytest.approx(420 / 320 - 1) and msg.age_s == pytest.approx(0.25)
    assert msg.has_bearing and msg.azimuth == pytest.approx(math.atan(100 / 500), abs=1e-9)
    ray = target_ray(header, estimate)
    assert ray is not None and ray.header.frame_id == "camera_optical"
    assert math.hypot(ray.vector.x, ray.vector.y, ray.vector.z) == pytest.approx(1.0)
    lost = estimator.update((0, 0, 1, 1), 0.1, TrackState.LOST, TrackEvent.LOST, 0.3, 10.3, 640, 480)
    assert target_ray(header, lost) is None and not follow_target(header, lost, "abc", 10.4).visible


def test_camera_model_checks() -> None:
    with pytest.raises(CameraModelError, match="not calibrated"):
        camera_model(info(k=[0.0] * 9), 640, 480)
    with pytest.raises(CameraModelError, match="320x240"):
        camera_model(info(width=320, height=240), 640, 480)
    assert camera_model(info(width=0, height=0), 640, 480).width == 640  # size not filled in: the image's


def test_matcher_prefers_the_same_stamp_then_the_newest_before() -> None:
    matcher = CameraInfoMatcher(keep=3)
    assert not matcher and matcher.match(5) is None
    for stamp in (10, 20, 30, 40):
        matcher.add(stamp, info(stamp))
    assert matcher.match(30).header.stamp.sec == 30
    assert matcher.match(35).header.stamp.sec == 30
    assert matcher.match(5).header.stamp.sec == 40  # older than every kept one: the newest
    assert matcher.match(10).header.stamp.sec == 40  # 10 was dropped (keep=3)
