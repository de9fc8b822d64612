"""DriftCheck: which TRACKING frames are checked, failures in a row, the last verified box."""
from __future__ import annotations

import pytest

from smat_ros.follow.drift import DriftCheck

FRAME_SHAPE = (240, 320, 3)


def test_every_nth_tracking_frame_is_checked_and_none_with_zero() -> None:
    drift = DriftCheck()
    assert [drift.due(3) for _ in range(7)] == [False, False, True, False, False, True, False]
    off = DriftCheck()
    assert not any(off.due(0) for _ in range(10))


def test_lost_only_after_the_failures_in_a_row() -> None:
    drift = DriftCheck()
    drift.restart((10.0, 10.0, 20.0, 40.0), 0.0)
    assert not drift.failed(2)
    drift.passed((12.0, 10.0, 20.0, 40.0), 0.5)  # a pass in between starts the count again
    assert not drift.failed(2)
    assert drift.failed(2)
    assert drift.verified == ((12.0, 10.0, 20.0, 40.0), 0.5)


def test_restart_counts_afresh_from_a_known_box() -> None:
    drift = DriftCheck()
    drift.due(2)
    drift.failed(3)
    drift.restart((50.0, 60.0, 10.0, 20.0), 4.0)
    assert (drift.frames, drift.failures, drift.verified) == (0, 0, ((50.0, 60.0, 10.0, 20.0), 4.0))
    assert [drift.due(2) for _ in range(2)] == [False, True]


def test_a_camera_shift_moves_the_verified_box_and_keeps_its_stamp() -> None:
    drift = DriftCheck()
    drift.restart((100.0, 100.0, 20.0, 40.0), 1.5)
    drift.shift(-30.0, 10.0, FRAME_SHAPE)
    box, stamp = drift.verified
    assert box == pytest.approx((70.0, 110.0, 20.0, 40.0)) and stamp == 1.5
    drift.shift(-500.0, 0.0, FRAME_SHAPE)
    assert drift.verified[0][0] + drift.verified[0][2] / 2 == 0.0  # its centre kept on the frame
