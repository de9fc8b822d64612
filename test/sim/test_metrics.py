"""The follow-me summary: centred fraction, mean absolute normalized error (out of view = 1), LOST episodes."""
from __future__ import annotations

import math

import pytest

from smat_ros.sim.metrics import FollowSummary, lost_episodes, summarize


def test_summary_numbers() -> None:
    """Hand-computed values for six frames."""
    centres = [0.0, -0.3, 0.31, 1.7, math.nan, 0.5]
    states = [1, 2, 2, 1, 2, 0]
    summary = summarize(centres, states, seconds=2.0)
    assert summary.frames == 6
    assert summary.centred_fraction == pytest.approx(2 / 6)
    assert summary.mean_abs_error == pytest.approx((0 + 0.3 + 0.31 + 1 + 1 + 0.5) / 6)
    assert summary.lost_episodes == (2, 1)
    assert summary.fps == pytest.approx(3.0)
    line = summary.line("follow")
    assert "33.3 %" in line and "LOST episodes: 2 (frames: 2, 1)" in line


def test_lost_episodes_and_errors() -> None:
    """Runs of LOST at the ends count; mismatched lengths and empty runs are errors."""
    assert lost_episodes([2, 2, 1, 1, 2]) == (2, 1)
    assert lost_episodes([1, 0]) == ()
    assert "none" in FollowSummary(1, 1.0, 0.0, (), 10.0).line("x")
    with pytest.raises(ValueError):
        summarize([0.0], [1, 1], 1.0)
    with pytest.raises(ValueError):
        summarize([], [], 1.0)
