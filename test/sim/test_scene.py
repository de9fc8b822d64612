"""The simulated scene: the true box projects where the intrinsics say and is where the figure is drawn; yaw
turns the panorama by the integrated angle; occlusion and leaving the view show in the visible fraction;
deterministic given the seed."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from smat_ros.sim.camera import CameraPose, Intrinsics
from smat_ros.sim.panorama import Panorama, background_plate
from smat_ros.sim.scene import PostConfig, Scene, SceneConfig, WalkerConfig, path_position

STANDING = SceneConfig(target=WalkerConfig(path=((1.0, 5.0),)), others=(), posts=())


@pytest.fixture(scope="module")
def plate() -> np.ndarray:
    """A noisy background plate (so that walkers differ from it)."""
    return np.random.default_rng(3).integers(0, 255, (120, 200, 3), dtype=np.uint8)


def test_background_plate_is_the_median() -> None:
    """A pixel covered by a passer-by in one frame of three keeps its background value."""
    frames = [np.full((4, 4, 3), 100, np.uint8) for _ in range(3)]
    frames[1][2, 2] = 255
    assert np.all(background_plate(frames) == 100)
    with pytest.raises(ValueError):
        background_plate([np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4, 3), np.uint8)])


def test_yaw_turns_the_panorama_by_the_integrated_angle() -> None:
    """A vertical stripe at a known azimuth appears at u = cx + fx tan(azimuth + yaw), with yaw integrated from
    commanded rates over stamps (the yaw here keeps it right of the centre)."""
    plate = np.zeros((200, 400, 3), np.uint8)
    plate[:, 30:32] = 255  # centred on column 30.5
    panorama = Panorama.from_plate(plate, copies=2, vertical_fov_rad=0.6)
    stripe_azimuth = 30.5 / panorama.pixels_per_rad  # the plate's left edge is at azimuth 0
    intrinsics = Intrinsics.from_fov(320, 240, math.radians(70))
    pose = CameraPose()
    for dt, rate in ((0.1, -0.4), (0.2, -0.3), (0.05, 0.2)):
        pose = pose.moved(0.0, rate, 0.0, dt)
        image = panorama.render(intrinsics, pose)
        row = image[int(intrinsics.cy), :, 0].astype(float)
        row[: int(intrinsics.cx)] = 0  # its mirror image (the next copy) is left of the centre
        found = float(np.sum(np.arange(row.size) * row) / np.sum(row))  # intensity-weighted column
        expected = intrinsics.cx + intrinsics.fx * math.tan(stripe_azimuth + pose.yaw)
        assert found == pytest.approx(expected, abs=1.0)
    assert pose.yaw == pytest.approx(-0.4 * 0.1 - 0.3 * 0.2 + 0.2 * 0.05)


def test_tilt_moves_the_horizon() -> None:
    """Pitched up, the panorama's horizon row moves down the image by fy tan(pitch)."""
    plate = np.zeros((200, 400, 3), np.uint8)
    plate[100:102] = 255  # the horizon line (the plate's middle rows)
    panorama = Panorama.from_plate(plate, copies=2, vertical_fov_rad=0.8)
    intrinsics = Intrinsics.from_fov(320, 240, math.radians(70))
    for pitch in (0.0, 0.15):
        column = panorama.render(intrinsics, CameraPose(pitch=pitch))[:, int(intrinsics.cx), 0].astype(float)
        found = float(np.sum(np.arange(column.size) * column) / np.sum(column))
        assert found == pytest.approx(intrinsics.cy + 1.0 + intrinsics.fy * math.tan(pitch), abs=1.0)


def test_true_box_projects_where_the_intrinsics_say(plate: np.ndarray) -> None:
    """The figure's box runs from the pinhole projection of the head to that of the feet, centred on them, at most
    the person's width at that depth; the pixels the figure changes are exactly those inside the box."""
    scene = Scene(STANDING, plate)
    away = Scene(dataclasses.replace(STANDING, target=WalkerConfig(path=((0.0, -5.0),))), plate)  # behind
    k = STANDING.intrinsics
    for yaw in (0.0, 0.1, -0.05):
        pose = CameraPose(yaw=yaw)
        image, truth = scene.render(0.0, pose)
        x, y, w, h = truth.box
        feet = pose.to_camera(np.array([[1.0, STANDING.camera_height, 5.0]]))[0]
        head = pose.to_camera(np.array([[1.0, STANDING.camera_height - STANDING.target.height, 5.0]]))[0]
        assert x + w / 2 == pytest.approx(k.cx + k.fx * feet[0] / feet[2], abs=1.5)
        assert y + h == pytest.approx(k.cy + k.fy * feet[1] / feet[2], abs=1.5)
        assert y == pytest.approx(k.cy + k.fy * head[1] / head[2], abs=1.5)
        assert 0.3 * k.fx * STANDING.target.width / feet[2] < w <= k.fx * STANDING.target.width / feet[2] + 1
        assert truth.azimuth == pytest.approx(math.atan2(x + w / 2 - k.cx, k.fx))
        assert truth.visible == pytest.approx(1.0)
        empty, hidden = away.render(0.0, pose)
        assert not hidden.ahead and hidden.visible == 0.0
        rows, columns = np.nonzero(np.any(image != empty, axis=2))
        assert (columns.min(), columns.max() + 1, rows.min(), rows.max() + 1) == (x, x + w, y, y + h)


def test_visible_fraction_with_occluder_and_out_of_view(plate: np.ndarray) -> None:
    """A post between camera and target hides part of it; turned away, the target is out of view."""
    behind_post = dataclasses.replace(STANDING, posts=(PostConfig(x=0.6, z=3.0, width=0.08),))
    _, truth = Scene(behind_post, plate).render(0.0, CameraPose())
    assert 0.3 < truth.visible < 0.95
    _, away = Scene(STANDING, plate).render(0.0, CameraPose(yaw=-1.2))
    assert away.visible == 0.0 and abs(away.center_norm(STANDING.intrinsics)[0]) > 1


def test_walkers_follow_their_paths() -> None:
    """Position along the waypoints at the walking speed, still before start_s and after the last waypoint."""
    walker = WalkerConfig(path=((0.0, 5.0), (3.0, 5.0), (3.0, 9.0)), speed=1.0, start_s=2.0)
    assert path_position(walker, 1.0)[:2] == (0.0, 5.0)
    assert path_position(walker, 4.0)[:2] == pytest.approx((2.0, 5.0))
    assert path_position(walker, 7.0)[:2] == pytest.approx((3.0, 7.0))
    assert path_position(walker, 100.0) == pytest.approx((3.0, 9.0, 7.0))


def test_deterministic_given_the_seed() -> None:
    """Same seed, same frames; another seed dresses the people differently. The default scenario's target leaves
    the initial view."""
    config = SceneConfig()
    first, truth = Scene(config).render(2.0, CameraPose(yaw=-0.2))
    again, truth_again = Scene(config).render(2.0, CameraPose(yaw=-0.2))
    assert np.array_equal(first, again) and truth == truth_again
    other, _ = Scene(dataclasses.replace(config, seed=1)).render(2.0, CameraPose(yaw=-0.2))
    assert not np.array_equal(first, other)
    scene = Scene(config)
    centres = [scene.render(t, config.start_pose)[1].center_norm(config.intrinsics)[0] for t in np.arange(0, 20, 1.0)]
    assert abs(centres[0]) < 0.3 and max(abs(c) for c in centres) > 1.5
