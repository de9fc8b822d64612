"""Pinhole intrinsics, camera pose rotations, and pan/tilt integration of commanded rates over stamps."""
from __future__ import annotations

import math

import numpy as np
import pytest

from smat_ros.sim.camera import CameraPose, Intrinsics


def test_intrinsics_from_fov() -> None:
    """The image edges are at +-hfov/2 and K holds fx, fy, cx, cy."""
    intrinsics = Intrinsics.from_fov(640, 480, math.radians(60))
    assert intrinsics.fx == pytest.approx(320 / math.tan(math.radians(30)))
    edge = intrinsics.project(np.array([[math.tan(math.radians(30)), 0.0, 1.0]]))[0]
    assert edge[0] == pytest.approx(intrinsics.cx + 320)
    assert np.allclose(intrinsics.matrix, [[intrinsics.fx, 0, 319.5], [0, intrinsics.fy, 239.5], [0, 0, 1]])
    rays = intrinsics.pixel_rays()
    assert rays.shape == (480, 640, 3)
    assert np.allclose(intrinsics.project(rays[100, 200][None]), [[200, 100]], atol=1e-3)
    with pytest.raises(ValueError):
        Intrinsics.from_fov(640, 480, math.pi)


def test_yaw_left_moves_the_world_right() -> None:
    """A camera turned left by psi sees a point at world azimuth theta at camera azimuth theta + psi."""
    point = np.array([[6 * math.sin(0.2), 0.0, 6 * math.cos(0.2)]])  # world azimuth 0.2 rad, 6 m away
    for yaw in (-0.5, 0.0, 0.3):
        x, _, z = CameraPose(yaw=yaw).to_camera(point)[0]
        assert math.atan2(x, z) == pytest.approx(0.2 + yaw)


def test_pitch_up_centres_a_point_above() -> None:
    """Pitched up by 0.3 rad, the camera sees a point 0.3 rad above the horizon on its optical axis."""
    point = np.array([[0.0, -math.tan(0.3) * 5, 5.0]])  # y down: above the horizon
    x, y, z = CameraPose(pitch=0.3).to_camera(point)[0]
    assert x == pytest.approx(0.0) and y == pytest.approx(0.0, abs=1e-12) and z > 0


def test_rates_integrate_over_stamps() -> None:
    """Yaw is the yaw rate integrated over the stamps' intervals (uneven ones too); pitch follows REP-103 (a
    positive angular.y pitches down) within its limit; driving ahead after a left turn moves to the left."""
    pose = CameraPose()
    stamps = [0.0, 0.1, 0.25, 0.3, 0.7, 1.0]
    rates = [0.5, -0.2, 1.0, 0.1, 0.3]
    intervals = list(zip(stamps[:-1], stamps[1:], strict=True))
    for (start, end), rate in zip(intervals, rates, strict=True):
        pose = pose.moved(0.0, rate, 0.1, end - start)
    expected = sum(rate * (end - start) for (start, end), rate in zip(intervals, rates, strict=True))
    assert pose.yaw == pytest.approx(expected)
    assert pose.pitch == pytest.approx(-0.1)
    assert CameraPose().moved(0.0, 0.0, -10.0, 1.0).pitch == pytest.approx(math.radians(60))
    turned = CameraPose(yaw=math.pi / 2).moved(1.0, 0.0, 0.0, 2.0)
    assert turned.x == pytest.approx(-2.0) and turned.z == pytest.approx(0.0, abs=1e-12)
