"""The constant-velocity filter over stamps."""
from __future__ import annotations

import pytest

from smat_ros.config import ConfigError
from smat_ros.follow.motion import ConstantVelocityFilter, MotionConfig


def test_constant_speed_velocity_within_5_percent_after_10_frames() -> None:
    motion = ConstantVelocityFilter()
    vx, vy = 0.35, -0.12  # normalized units per second
    stamps = [100.0 + 0.1 * i + (0.013 if i % 3 == 0 else 0.0) for i in range(11)]  # uneven frame times
    for stamp in stamps:
        motion.update(-0.5 + vx * (stamp - 100.0), 0.2 + vy * (stamp - 100.0), stamp)
    assert motion.velocity[0] == pytest.approx(vx, rel=0.05)
    assert motion.velocity[1] == pytest.approx(vy, rel=0.05)


def test_prediction_moves_the_point_at_the_velocity() -> None:
    motion = ConstantVelocityFilter()
    for i in range(20):
        motion.update(0.1 * i * 0.05, 0.0, i * 0.05)  # 0.1 units/s
    x, _ = motion.position
    predicted, _ = motion.predict(0.95 + 0.5)
    assert predicted - x == pytest.approx(0.5 * 0.1, rel=0.05)
    assert motion.predict(0.0) == motion.position  # no prediction backwards


def test_noisy_measurements_are_smoothed() -> None:
    motion = ConstantVelocityFilter(MotionConfig(measurement_std=0.05))
    noise = [0.04, -0.05, 0.03, -0.02, 0.05, -0.04, 0.01, -0.03, 0.04, -0.05] * 3
    for i, n in enumerate(noise):
        motion.update(0.2 * i * 0.1 + n, 0.0, i * 0.1)
    assert motion.velocity[0] == pytest.approx(0.2, abs=0.1)


def test_reset_and_stamp_going_back_restart_the_filter() -> None:
    motion = ConstantVelocityFilter()
    assert not motion.initialized and motion.velocity == (0.0, 0.0)
    motion.update(0.0, 0.0, 1.0)
    motion.update(0.1, 0.0, 1.1)
    assert motion.velocity[0] > 0
    motion.update(0.5, 0.5, 0.5)  # clock went back
    assert motion.position == (0.5, 0.5) and motion.velocity == (0.0, 0.0)
    motion.reset()
    assert not motion.initialized


def test_invalid_config() -> None:
    with pytest.raises(ConfigError):
        MotionConfig(measurement_std=0.0)
