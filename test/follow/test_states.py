"""The IDLE/TRACKING/LOST state machine on scripted scores: hysteresis both ways, relative thresholds, timeout."""
from __future__ import annotations

import pytest

from smat_ros.config import ConfigError
from smat_ros.follow.states import StateConfig, TrackEvent, TrackState, TrackStateMachine

ABSOLUTE = StateConfig(lost_score_threshold=0.3, lost_score_ratio=0.0, lost_after_frames=3,
                       found_score_threshold=0.5, found_score_ratio=0.0, found_after_frames=2)


def run(machine: TrackStateMachine, scores: list[float | None], period: float = 0.1) -> list:
    """Feed scores at stamps 0.1, 0.2, ...; the updates."""
    return [machine.update(score, (i + 1) * period) for i, score in enumerate(scores)]


def test_start_then_lost_after_consecutive_low_frames_only() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    assert machine.start(0.0).event == TrackEvent.STARTED
    updates = run(machine, [0.6, 0.2, 0.2, 0.6, 0.2, 0.2, 0.2])
    assert [u.state for u in updates[:6]] == [TrackState.TRACKING] * 6  # two low frames then a good one: no loss
    assert updates[6].state == TrackState.LOST and updates[6].event == TrackEvent.LOST
    assert updates[6].seconds_since_seen == pytest.approx(0.7 - 0.4)  # last seen on the 4th frame
    assert all(u.event == TrackEvent.NONE for u in updates[:6])


def test_lost_at_once_for_another_reason_with_the_time_last_seen() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(0.0)
    run(machine, [0.6, 0.6, 0.6])
    update = machine.lose(0.4, 0.2, "the backward check failed")
    assert (update.state, update.event) == (TrackState.LOST, TrackEvent.LOST)
    assert update.reason == "the backward check failed"
    assert update.seconds_since_seen == pytest.approx(0.2)
    assert machine.lose(0.5, 0.2, "again").event == TrackEvent.NONE  # already LOST
    updates = [machine.update(0.6, 0.6), machine.update(0.6, 0.7)]
    assert updates[-1].event == TrackEvent.REACQUIRED  # the usual hysteresis brings it back


def test_seconds_since_seen_is_zero_while_tracking_and_grows_while_lost() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(10.0)
    updates = [machine.update(0.6, 10.1), machine.update(0.1, 10.2), machine.update(0.1, 10.3),
               machine.update(0.1, 10.4), machine.update(0.1, 11.1)]
    assert [u.seconds_since_seen for u in updates[:3]] == [0.0, 0.0, 0.0]
    assert updates[3].seconds_since_seen == pytest.approx(0.3)
    assert updates[4].seconds_since_seen == pytest.approx(1.0)


def test_reacquired_only_after_found_frames_above_the_found_threshold() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(0.0)
    run(machine, [0.1, 0.1, 0.1])
    assert machine.state == TrackState.LOST
    # 0.45 is above the lost threshold but below the found one: it starts nothing (hysteresis upwards); a low
    # score ends a candidate; a candidate that held two frames with a passing mean is the target again
    updates = [machine.update(s, 1.0 + i) for i, s in enumerate([0.45, 0.45, 0.55, 0.2, 0.55, 0.47])]
    assert [u.state for u in updates] == [TrackState.LOST] * 5 + [TrackState.TRACKING]
    assert updates[-1].event == TrackEvent.REACQUIRED and updates[-1].seconds_since_seen == 0.0


def test_a_candidate_needs_a_passing_mean_over_found_after_frames() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(0.0)
    run(machine, [0.1, 0.1, 0.1])
    assert machine.update(0.55, 1.0, new_candidate=True).state == TrackState.LOST
    assert machine.update(0.35, 1.1).state == TrackState.LOST  # holds (not low) but the mean 0.45 fails
    assert machine.update(0.66, 1.2).event == TrackEvent.REACQUIRED  # the last two average 0.505


def test_a_new_candidate_restarts_the_confirmation() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(0.0)
    run(machine, [0.1, 0.1, 0.1])
    assert machine.update(0.9, 1.0, new_candidate=True).state == TrackState.LOST
    assert machine.update(0.9, 1.1, new_candidate=True).state == TrackState.LOST  # another place: count is 1 again
    assert machine.update(0.9, 1.2).event == TrackEvent.REACQUIRED


def test_no_candidate_counts_as_low_and_not_found() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(0.0)
    assert run(machine, [None, None, None])[-1].event == TrackEvent.LOST
    assert machine.update(0.9, 1.0).state == TrackState.LOST
    assert machine.update(None, 1.1).state == TrackState.LOST
    assert machine.update(0.9, 1.2).state == TrackState.LOST  # the None broke the run of found frames


def test_relative_thresholds_follow_the_tracks_own_scores() -> None:
    config = StateConfig(lost_score_threshold=0.2, lost_score_ratio=0.8, found_score_threshold=0.3,
                         found_score_ratio=0.95, lost_after_frames=2, found_after_frames=2)
    machine = TrackStateMachine(config)
    machine.start(0.0)
    run(machine, [0.6, 0.6, 0.6])
    assert machine.reference_score == pytest.approx(0.6)
    assert machine.lost_threshold() == pytest.approx(0.48) and machine.found_threshold() == pytest.approx(0.57)
    # 0.45 passes the absolute test (0.2) but is low for a track that scores 0.6: LOST after two of them
    assert [u.state for u in run(machine, [0.45, 0.45])] == [TrackState.TRACKING, TrackState.LOST]
    assert machine.reference_score == pytest.approx(0.6)  # low scores do not lower the reference
    assert run(machine, [0.55, 0.55])[-1].state == TrackState.LOST  # below 0.95 x 0.6
    assert run(machine, [0.58, 0.58])[-1].event == TrackEvent.REACQUIRED


def test_timeout_goes_idle_with_a_reason() -> None:
    machine = TrackStateMachine(StateConfig(lost_score_ratio=0.0, found_score_ratio=0.0, target_timeout_s=1.0))
    machine.start(0.0)
    run(machine, [0.6, 0.1, 0.1, 0.1])  # seen at 0.1, lost at 0.4
    assert machine.update(0.1, 1.05).state == TrackState.LOST
    update = machine.update(0.1, 1.2)
    assert update.state == TrackState.IDLE and update.event == TrackEvent.TIMED_OUT
    assert "1.10 s" in update.reason and "target_timeout_s" in update.reason
    assert machine.update(0.9, 1.3) .state == TrackState.IDLE  # IDLE ignores scores until a new start


def test_no_timeout_when_zero() -> None:
    machine = TrackStateMachine(StateConfig(lost_score_ratio=0.0, found_score_ratio=0.0, target_timeout_s=0.0))
    machine.start(0.0)
    run(machine, [0.1, 0.1, 0.1])
    assert machine.update(0.1, 1e6).state == TrackState.LOST


def test_clear_reports_cleared_once() -> None:
    machine = TrackStateMachine()
    machine.start(0.0)
    assert machine.clear("user").event == TrackEvent.CLEARED
    assert machine.state == TrackState.IDLE
    assert machine.clear().event == TrackEvent.NONE


def test_start_forgets_the_previous_reference() -> None:
    machine = TrackStateMachine()
    machine.start(0.0)
    run(machine, [0.9, 0.9])
    machine.start(1.0)
    assert machine.reference_score is None


@pytest.mark.parametrize("changes", [
    {"found_score_threshold": 0.2, "lost_score_threshold": 0.3},
    {"lost_after_frames": 0},
    {"found_after_frames": 0},
    {"target_timeout_s": -1.0},
    {"lost_score_threshold": 1.5},
    {"lost_score_ratio": 0.9, "found_score_ratio": 0.8},
])
def test_invalid_configs_are_errors(changes: dict) -> None:
    with pytest.raises(ConfigError):
        StateConfig(**changes)


def test_extra_frames_make_a_candidate_hold_longer() -> None:
    machine = TrackStateMachine(ABSOLUTE)
    machine.start(0.0)
    run(machine, [0.1, 0.1, 0.1])
    assert machine.update(0.6, 1.0, new_candidate=True, extra_frames=1).state == TrackState.LOST
    assert machine.update(0.6, 1.1, extra_frames=1).state == TrackState.LOST  # two frames are not enough here
    assert machine.update(0.6, 1.2, extra_frames=1).event == TrackEvent.REACQUIRED
