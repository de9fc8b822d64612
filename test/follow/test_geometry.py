"""Bearing from camera intrinsics: a pinhole camera exactly, a distorted one as cv2.undistortPoints."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from smat_ros.follow.geometry import CameraModel, CameraModelError, angles, box_bearing, normalized_center

K = [500.0, 0.0, 320.0, 0.0, 480.0, 240.0, 0.0, 0.0, 1.0]


def test_pinhole_azimuth_and_elevation_are_exact() -> None:
    camera = CameraModel.from_values(640, 480, K, [0.0] * 5)
    for u, v in [(320, 240), (600, 100), (13.5, 470.25), (-40, 500)]:
        bearing = box_bearing(camera, (u - 5, v - 10, 10, 20))
        assert bearing.azimuth == pytest.approx(math.atan((u - 320) / 500.0), abs=1e-9)
        # elevation positive up: a point below the centre (v > cy) is negative
        y = (v - 240) / 480.0
        x = (u - 320) / 500.0
        assert bearing.elevation == pytest.approx(math.atan2(-y, math.hypot(x, 1.0)), abs=1e-9)


def test_centre_ray_is_a_unit_vector_along_the_optical_axis() -> None:
    camera = CameraModel.from_values(640, 480, K, [])
    bearing = box_bearing(camera, (300, 220, 40, 40))
    assert bearing.ray == pytest.approx((0.0, 0.0, 1.0), abs=1e-12)
    assert (bearing.azimuth, bearing.elevation) == pytest.approx((0.0, 0.0), abs=1e-12)


def test_angular_size_of_a_centred_box() -> None:
    camera = CameraModel.from_values(640, 480, K, [0.0] * 5)
    bearing = box_bearing(camera, (270, 190, 100, 100))
    assert bearing.angular_width == pytest.approx(2 * math.atan(50 / 500.0), abs=1e-9)
    assert bearing.angular_height == pytest.approx(2 * math.atan(50 / 480.0), abs=1e-9)


@pytest.mark.parametrize("model, d", [
    ("plumb_bob", [-0.28, 0.07, 0.001, -0.0005, 0.01]),
    ("rational_polynomial", [0.3, -0.1, 0.001, 0.002, 0.01, 0.6, -0.05, 0.02]),
])
def test_distorted_bearing_equals_opencv(model: str, d: list[float]) -> None:
    camera = CameraModel.from_values(640, 480, K, d, model)
    u, v = 590.0, 80.0
    expected = cv2.undistortPoints(np.array([[[u, v]]]), np.array(K).reshape(3, 3), np.array(d)).reshape(2)
    bearing = box_bearing(camera, (u - 4, v - 6, 8, 12))
    assert bearing.azimuth == pytest.approx(math.atan2(expected[0], 1.0), abs=1e-9)
    assert bearing.elevation == pytest.approx(math.atan2(-expected[1], math.hypot(expected[0], 1.0)), abs=1e-9)
    pinhole = box_bearing(CameraModel.from_values(640, 480, K, []), (u - 4, v - 6, 8, 12))
    assert abs(bearing.azimuth - pinhole.azimuth) > 1e-3  # the distortion is really applied


def test_angles_sign_convention() -> None:
    assert angles(np.array([1.0, 0.0, 1.0]))[0] == pytest.approx(math.pi / 4)  # right: positive azimuth
    assert angles(np.array([0.0, -1.0, 1.0]))[1] == pytest.approx(math.pi / 4)  # up (y negative): positive


@pytest.mark.parametrize("k, d, model, words", [
    ([0.0] * 9, [], "plumb_bob", "not calibrated"),
    (K, [0.1] * 5, "equidistant", "not supported"),
    (K, [0.1] * 3, "plumb_bob", "coefficients"),
    (K, [float("nan")] * 5, "plumb_bob", "NaN"),
])
def test_unusable_camera_info_is_a_clear_error(k, d, model, words) -> None:
    with pytest.raises(CameraModelError, match=words):
        CameraModel.from_values(640, 480, k, d, model)


def test_normalized_center() -> None:
    assert normalized_center((0, 0, 640, 480), 640, 480) == (0.0, 0.0, 1.0, 1.0)
    cx, cy, w, h = normalized_center((600, 0, 40, 48), 640, 480)
    assert (cx, cy, w, h) == pytest.approx((0.9375, -0.9, 0.0625, 0.1))
