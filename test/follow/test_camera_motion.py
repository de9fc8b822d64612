"""Camera-motion compensation: the image shift estimate on real frames, and the tracker keeping the person through
camera jerks larger than its search window (the vtest jerk sequences of smat_ros/follow/scenarios.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smat_ros.config import ConfigError
from smat_ros.follow.camera_motion import CameraMotionEstimator
from smat_ros.follow.motion import ConstantVelocityFilter
from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.follow.scenarios import black_out, camera_jerk, score_recovery, shift_frame
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.tracker import Tracker
from smat_ros.train.synthetic import SyntheticConfig, render_sequence

DEMO = Path(__file__).resolve().parents[2] / "weights" / "smat_demo.safetensors"


@pytest.mark.parametrize(("dx", "dy"), [(-250, 0), (-300, 0), (0, 220), (0, -200), (-220, 150), (37, -12)])
def test_a_jerk_is_measured_to_within_two_pixels(vtest, dx: int, dy: int) -> None:
    frames, _ = vtest
    estimator = CameraMotionEstimator()
    assert not estimator.update(frames[9]).accepted  # no previous frame
    shift = estimator.update(shift_frame(frames[10], dx, dy))
    assert shift.accepted and shift.confidence >= 0.1
    assert shift.applied == pytest.approx((dx, dy), abs=2.0)


def test_a_static_camera_with_people_walking_gives_no_shift(vtest) -> None:
    frames, _ = vtest
    estimator = CameraMotionEstimator()
    shifts = [estimator.update(frame) for frame in frames]
    assert not any(shift.accepted for shift in shifts)
    assert max(abs(shift.dx) + abs(shift.dy) for shift in shifts) < 5.0  # the estimate itself says about 0


def test_static_synthetic_scenes_give_no_shift_and_a_panning_one_is_followed() -> None:
    config = SyntheticConfig(sequences=1, frames=12, width=384, height=288, min_object=20, max_object=70,
                             distractors=6, max_speed=5.0, walkers=0.95, static_camera=1.0, posts=4)
    frames, _, _ = render_sequence(config, (), np.random.default_rng(100))
    estimator = CameraMotionEstimator()
    assert not any(estimator.update(frame).accepted for frame in frames)
    estimator.reset()
    panned = [shift_frame(frame, 6 * i, -3 * i) for i, frame in enumerate(frames)]  # 6 px right, 3 up per frame
    shifts = [estimator.update(frame) for frame in panned][1:]
    assert sum(shift.accepted for shift in shifts) >= len(shifts) - 1
    # walkers move too: each estimate is within 3 px, their mean within 0.5 px
    assert all(shift.applied == pytest.approx((6.0, -3.0), abs=3.0) for shift in shifts if shift.accepted)
    assert np.mean([shift.applied for shift in shifts if shift.accepted], axis=0) == pytest.approx((6, -3), abs=0.5)


def test_black_and_unrelated_frames_give_no_shift(vtest) -> None:
    frames, _ = vtest
    estimator = CameraMotionEstimator()
    black = np.zeros_like(frames[0])
    for frame in (frames[0], black, black, frames[1]):
        shift = estimator.update(frame)
        assert not shift.accepted
    assert shift.confidence == 0.0  # after a black frame: nothing to correlate
    scene, _, _ = render_sequence(SyntheticConfig(sequences=1, frames=1, width=768, height=576), (),
                                  np.random.default_rng(3))
    assert not estimator.update(scene[0]).accepted  # a different scene (a cut) is not a camera motion


def test_the_motion_filter_moves_with_the_camera_and_keeps_its_velocity() -> None:
    motion = ConstantVelocityFilter()
    for i in range(5):
        motion.update(10.0 + i, 20.0, 0.1 * i)
    velocity = motion.velocity
    x, y = motion.position
    motion.shift(-250.0, 4.0)
    assert motion.position == pytest.approx((x - 250.0, y + 4.0)) and motion.velocity == velocity


def test_camera_motion_confidence_is_checked() -> None:
    for value in (-0.1, 1.5):
        with pytest.raises(ConfigError):
            ReacquireConfig(camera_motion_confidence=value)


def run(scenario, **search) -> tuple[list, list, list]:
    """States, boxes and results of the demo tracker with re-acquisition (and ``search`` settings) on a scenario."""
    tracker = Tracker.from_checkpoint(DEMO, device="cpu", reacquire=ReacquireConfig(**search))
    tracker.initialize(scenario.frames[0], scenario.truth[0], stamp=0.0)
    results = [tracker.track(f, stamp=0.1 * i) for i, f in enumerate(scenario.frames[1:], 1)]
    return [TrackState.TRACKING] + [r.state for r in results], [scenario.truth[0]] + [r.box for r in results], results


@pytest.mark.parametrize(("start", "dx", "dy"), [(15, -300, 0), (8, -220, 150)])
def test_the_person_is_kept_through_jerks_the_search_does_not_recover(vtest, start: int, dx: int, dy: int) -> None:
    """The two jerk rows of docs/follow.md that do not come back within 15 frames without compensation."""
    frames, truth = vtest
    scenario = camera_jerk("jerk", frames, truth, start, dx, dy)
    recoveries = {}
    for camera_motion in (False, True):
        states, boxes, results = run(scenario, camera_motion=camera_motion, drift_check_every=2)
        recoveries[camera_motion] = score_recovery(states, boxes, scenario.truth, start)
    off, on = recoveries[False], recoveries[True]
    assert off.frames_to_reacquire is None or off.frames_to_reacquire > 15
    assert on.frames_to_reacquire == 0 and on.wrong_frames == 0 and on.stale_frames == 0 and on.lost_frames == 0
    jerk = results[start - 1]  # results start at frame 1
    assert jerk.camera_shift.accepted and jerk.camera_shift.applied == pytest.approx((dx, dy), abs=2.0)
    assert not any(r.camera_shift.accepted for i, r in enumerate(results, 1) if i != start)


def test_a_black_out_on_a_static_camera_is_unchanged_by_compensation(vtest) -> None:
    frames, truth = vtest
    scenario = black_out("black-out", frames, truth, 8, 12)
    tracks = [run(scenario, camera_motion=on) for on in (False, True)]
    assert tracks[0][:2] == tracks[1][:2]  # the same states and boxes: no shift was believed
    assert not any(r.camera_shift.accepted for r in tracks[1][2])
    assert TrackEvent.REACQUIRED in [r.event for r in tracks[1][2]]


def test_the_tracker_says_whether_it_estimates_camera_motion() -> None:
    """camera_motion needs re-acquisition; configure_follow turns it on and off at run time."""
    tracker = Tracker.from_checkpoint(DEMO, device="cpu", reacquire=ReacquireConfig(camera_motion=True))
    assert tracker.camera_motion
    tracker.configure_follow(reacquire=ReacquireConfig())
    assert not tracker.camera_motion
    tracker.configure_follow(reacquire=ReacquireConfig(camera_motion=True))
    assert tracker.camera_motion
    tracker.configure_follow(reacquire=False)
    assert not tracker.camera_motion
    assert not Tracker.from_checkpoint(DEMO, device="cpu").camera_motion
