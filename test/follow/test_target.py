"""The follow-me estimate: normalized centre, bearing, velocity; last values while LOST, zeros while IDLE."""
from __future__ import annotations

import math

import pytest

from smat_ros.follow.geometry import CameraModel
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.follow.target import TargetEstimator

CAMERA = CameraModel.from_values(640, 480, [500.0, 0, 320.0, 0, 500.0, 240.0, 0, 0, 1], [0.0] * 5)


def test_tracking_estimate_has_normalized_box_bearing_and_velocity() -> None:
    estimator = TargetEstimator()
    speed_px = 64.0  # px/s to the right = 0.2 normalized units/s on a 640 px wide image
    for i in range(12):
        t = 5.0 + 0.1 * i
        box = (300.0 + speed_px * (t - 5.0), 200.0, 40.0, 80.0)
        event = TrackEvent.STARTED if i == 0 else TrackEvent.NONE
        estimate = estimator.update(box, 0.7, TrackState.TRACKING, event, 0.0, t, 640, 480, CAMERA)
    u = box[0] + 20.0
    assert estimate.visible and estimate.has_bearing
    assert estimate.center_x_norm == pytest.approx(u / 320.0 - 1.0)
    assert estimate.center_y_norm == pytest.approx(0.0)
    assert (estimate.width_norm, estimate.height_norm) == pytest.approx((40 / 640, 80 / 480))
    assert estimate.azimuth == pytest.approx(math.atan((u - 320.0) / 500.0), abs=1e-9)
    assert estimate.velocity_x_norm == pytest.approx(0.2, rel=0.05)
    assert estimate.velocity_y_norm == pytest.approx(0.0, abs=0.01)
    px, _ = estimate.predicted_center(estimate.stamp_s + 0.5)
    assert px == pytest.approx(estimate.center_x_norm + 0.5 * estimate.velocity_x_norm)
    assert estimate.ray is not None and math.fsum(v * v for v in estimate.ray) == pytest.approx(1.0)


def test_lost_keeps_the_last_values_and_idle_is_zero() -> None:
    estimator = TargetEstimator()
    seen = estimator.update((100, 100, 20, 40), 0.6, TrackState.TRACKING, TrackEvent.STARTED, 0.0, 1.0, 640, 480)
    assert not seen.has_bearing and seen.ray is None  # no camera model
    lost = estimator.update((0, 0, 1, 1), 0.2, TrackState.LOST, TrackEvent.LOST, 0.3, 1.3, 640, 480)
    assert not lost.visible and lost.state == TrackState.LOST and lost.seconds_since_seen == 0.3
    assert lost.center_x_norm == seen.center_x_norm and lost.width_norm == seen.width_norm
    assert lost.predicted_center(5.0) == (lost.center_x_norm, lost.center_y_norm)
    idle = estimator.update((0, 0, 1, 1), 0.0, TrackState.IDLE, TrackEvent.CLEARED, 0.0, 1.4, 640, 480)
    assert idle.state == TrackState.IDLE and idle.center_x_norm == 0.0 and not idle.visible


def test_reacquired_restarts_the_velocity() -> None:
    estimator = TargetEstimator()
    for i in range(5):
        estimator.update((100 + 10 * i, 100, 20, 40), 0.6, TrackState.TRACKING, TrackEvent.NONE, 0.0, 0.1 * i, 640, 480)
    back = estimator.update((500, 300, 20, 40), 0.6, TrackState.TRACKING, TrackEvent.REACQUIRED, 0.0, 2.0, 640, 480)
    assert (back.velocity_x_norm, back.velocity_y_norm) == (0.0, 0.0)
