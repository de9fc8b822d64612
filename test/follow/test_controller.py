"""The follow-me control law: safe stops (stale, missing, IDLE, LOST), limits on every command, steering signs,
dead bands, prediction, the search turn and the turn-only hold after a re-acquisition."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from smat_ros.follow.controller import (
    MAX_STEP_S,
    Command,
    ControllerConfig,
    FollowController,
    Mode,
    TargetObservation,
    TrackState,
)

TRACKING, LOST, IDLE = TrackState.TRACKING, TrackState.LOST, TrackState.IDLE
MOVING = (Mode.FOLLOW, Mode.COAST, Mode.SEARCH, Mode.CONFIRM)


def seen(stamp_s: float, **fields) -> TargetObservation:
    """A TRACKING observation at ``stamp_s`` (target at the centre, half the image high unless overridden)."""
    values = dict(stamp_s=stamp_s, state=TRACKING, width_norm=0.1, height_norm=0.5)
    values.update(fields)
    return TargetObservation(**values)


def test_no_message_yet_is_a_stop() -> None:
    """Before the first observation the timer says stop."""
    command = FollowController().on_timer(0.0)
    assert command is not None and command.is_zero and command.mode == Mode.STOP_MISSING


def test_stale_input_stops_within_stale_s() -> None:
    """Fresh input moves the robot; the first timer tick more than stale_s after the last message stops it."""
    config = ControllerConfig(stale_s=0.5)
    controller = FollowController(config)
    moving = controller.on_target(seen(10.0, center_x_norm=0.6, has_bearing=True, azimuth=0.3), received_s=100.0)
    assert moving.yaw_rate < 0 and moving.mode == Mode.FOLLOW
    assert controller.on_timer(100.0 + 0.5) is None  # exactly stale_s: still fresh
    stop = controller.on_timer(100.0 + 0.5 + 1e-6)
    assert stop is not None and stop.is_zero and stop.mode == Mode.STOP_STALE
    assert controller.last_command.is_zero


def test_an_old_image_is_stale() -> None:
    """A message whose image was older than stale_s when published does not move the robot."""
    controller = FollowController(ControllerConfig(stale_s=0.5))
    command = controller.on_target(seen(1.0, has_bearing=True, azimuth=0.4, age_s=0.6), received_s=1.6)
    assert command.is_zero and command.mode == Mode.STOP_STALE


def test_idle_stops_at_once() -> None:
    """IDLE stops immediately, whatever the previous command was (stops ignore the acceleration limit)."""
    controller = FollowController()
    for index in range(10):
        controller.on_target(seen(index * 0.1, has_bearing=True, azimuth=0.5, height_norm=0.1), index * 0.1)
    assert abs(controller.last_command.yaw_rate) > 0.5 and controller.last_command.forward > 0
    command = controller.on_target(TargetObservation(stamp_s=1.0, state=IDLE), 1.0)
    assert command.is_zero and command.mode == Mode.STOP_IDLE


def test_lost_coasts_then_stops_after_lost_stop_s() -> None:
    """LOST up to lost_stop_s keeps turning and slows down; LOST longer stops everything."""
    config = ControllerConfig(lost_stop_s=1.0)
    controller = FollowController(config)
    for index in range(10):
        controller.on_target(seen(index * 0.1, has_bearing=True, azimuth=-0.3, height_norm=0.2), index * 0.1)
    turning = controller.last_command
    assert turning.yaw_rate > 0 and turning.forward > 0
    coast = controller.on_target(
        dataclasses.replace(seen(1.0, azimuth=-0.3, has_bearing=True), state=LOST, seconds_since_seen=0.1), 1.0)
    assert coast.mode == Mode.COAST and coast.yaw_rate == turning.yaw_rate
    assert coast.forward == pytest.approx(turning.forward - config.max_forward_accel * 0.1)
    stamp = 1.0
    for since in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        stamp += 0.1
        command = controller.on_target(TargetObservation(stamp_s=stamp, state=LOST, seconds_since_seen=since), stamp)
        assert command.mode == Mode.COAST and command.yaw_rate == turning.yaw_rate
    assert command.forward == pytest.approx(0.0, abs=1e-9)  # ramped down while coasting
    stopped = controller.on_target(TargetObservation(stamp_s=stamp + 0.1, state=LOST, seconds_since_seen=1.05),
                                   stamp + 0.1)
    assert stopped.is_zero and stopped.mode == Mode.STOP_LOST


def test_search_turn_towards_the_last_side_then_stop() -> None:
    """With search_yaw_rate, a target lost on the right is searched by turning right, until search_timeout_s."""
    config = ControllerConfig(lost_stop_s=0.0, search_yaw_rate=0.3, search_timeout_s=2.0)
    controller = FollowController(config)
    controller.on_target(seen(0.0, has_bearing=True, azimuth=0.4), 0.0)
    search = controller.on_target(TargetObservation(stamp_s=0.5, state=LOST, seconds_since_seen=0.5), 0.5)
    assert search.mode == Mode.SEARCH and search.yaw_rate == pytest.approx(-0.3) and search.forward == 0.0
    done = controller.on_target(TargetObservation(stamp_s=2.5, state=LOST, seconds_since_seen=2.5), 2.5)
    assert done.is_zero and done.mode == Mode.STOP_LOST


def lose(controller: FollowController, stamp_s: float, since_s: float = 0.1, track_id: str = "") -> Command:
    """Answer one LOST observation of track ``track_id`` at ``stamp_s``, the target last seen ``since_s`` before."""
    return controller.on_target(
        TargetObservation(stamp_s=stamp_s, state=LOST, seconds_since_seen=since_s, track_id=track_id), stamp_s)


def drive_right(stamp_s: float, **fields) -> TargetObservation:
    """A TRACKING observation of a small target on the right: the robot turns right and drives ahead."""
    return seen(stamp_s, has_bearing=True, azimuth=0.4, height_norm=0.2, **fields)


def test_reacquired_target_is_turned_to_but_not_driven_to_for_the_hold() -> None:
    """After LOST -> TRACKING the robot turns towards the target at once but keeps forward speed 0 for
    reacquired_hold_s by the image stamps; then forward speed comes back within the acceleration limit."""
    config = ControllerConfig(reacquired_hold_s=1.0, lost_stop_s=0.5)
    controller = FollowController(config)
    for index in range(20):
        controller.on_target(drive_right(index * 0.1), index * 0.1)
    assert controller.last_command.forward > 0 and controller.last_command.mode == Mode.FOLLOW
    for index in range(20, 30):  # LOST for 1 s: coasts, then stops
        lose(controller, index * 0.1, since_s=(index - 19) * 0.1)
    assert controller.last_command.is_zero and controller.last_command.mode == Mode.STOP_LOST
    # received times far from the stamps: the hold runs on the image stamps
    holding = [controller.on_target(drive_right(3.0 + index * 0.1), 500.0 + index * 0.01) for index in range(10)]
    assert all(command.mode == Mode.CONFIRM and command.forward == 0.0 for command in holding)
    assert all(command.yaw_rate < 0 for command in holding)
    assert holding[-1].yaw_rate == pytest.approx(-config.yaw_gain * (0.4 - config.yaw_dead_band))
    resumed = [controller.on_target(drive_right(4.0 + index * 0.1), 501.0) for index in range(5)]
    assert all(command.mode == Mode.FOLLOW for command in resumed)
    assert resumed[0].forward == pytest.approx(config.max_forward_accel * 0.1)  # ramps up from 0
    assert [command.forward for command in resumed] == pytest.approx(
        [config.max_forward_accel * 0.1 * (index + 1) for index in range(5)])


def test_reacquisition_while_coasting_ramps_the_forward_speed_down() -> None:
    """A target re-acquired while the robot still coasts forward: the forward speed ramps down to 0 within the
    acceleration limit (no jump), while the yaw follows the target."""
    config = ControllerConfig(reacquired_hold_s=1.0, max_forward_accel=0.5)
    controller = FollowController(config)
    for index in range(20):
        controller.on_target(drive_right(index * 0.1), index * 0.1)
    coasting = lose(controller, 2.0)
    assert coasting.mode == Mode.COAST and coasting.forward > 0.2
    speeds = [coasting.forward]
    for index in range(10):
        command = controller.on_target(drive_right(2.1 + index * 0.1), 2.1 + index * 0.1)
        assert command.mode == Mode.CONFIRM and command.yaw_rate < 0
        speeds.append(command.forward)
    steps = [before - after for before, after in zip(speeds[:-1], speeds[1:], strict=True)]
    assert all(0 <= step <= config.max_forward_accel * 0.1 + 1e-12 for step in steps)
    assert speeds[-1] == 0.0


def test_a_new_target_is_followed_at_once() -> None:
    """TRACKING after IDLE (a target set by the operator), the first message, or a new track_id after LOST: no
    hold, forward speed at once."""
    config = ControllerConfig(reacquired_hold_s=1.0, max_forward_accel=100.0)
    first = FollowController(config).on_target(drive_right(0.0), 0.0)
    assert first.mode == Mode.FOLLOW and first.forward > 0
    controller = FollowController(config)
    controller.on_target(drive_right(0.0, track_id="a"), 0.0)
    lose(controller, 0.1, track_id="a")
    controller.on_target(TargetObservation(stamp_s=0.2, state=IDLE), 0.2)
    after_idle = controller.on_target(drive_right(0.3, track_id="b"), 0.3)
    assert after_idle.mode == Mode.FOLLOW and after_idle.forward > 0
    lose(controller, 0.4, track_id="b")
    new_target = controller.on_target(drive_right(0.5, track_id="c"), 0.5)
    assert new_target.mode == Mode.FOLLOW and new_target.forward > 0
    lose(controller, 0.6, track_id="c")  # the same track LOST and found again: a re-acquisition
    again = controller.on_target(drive_right(0.7, track_id="c"), 0.7)
    assert again.mode == Mode.CONFIRM and again.forward == 0.0
    switched = controller.on_target(drive_right(0.8, track_id="d"), 0.8)  # the operator picks a target mid-hold
    assert switched.mode == Mode.FOLLOW and switched.forward > 0


def test_zero_hold_is_off() -> None:
    """reacquired_hold_s = 0: a re-acquired target is driven to at once."""
    controller = FollowController(ControllerConfig(reacquired_hold_s=0.0, max_forward_accel=100.0))
    controller.on_target(drive_right(0.0), 0.0)
    lose(controller, 0.1)
    command = controller.on_target(drive_right(0.2), 0.2)
    assert command.mode == Mode.FOLLOW and command.forward > 0


def test_lost_during_the_hold_is_lost_and_a_new_hold_follows() -> None:
    """LOST during the hold coasts / stops as LOST does; the next re-acquisition holds for the full time again."""
    config = ControllerConfig(reacquired_hold_s=1.0, lost_stop_s=0.2, max_forward_accel=100.0)
    controller = FollowController(config)
    controller.on_target(drive_right(0.0), 0.0)
    lose(controller, 0.1)
    assert controller.on_target(drive_right(0.2), 0.2).mode == Mode.CONFIRM
    coast = lose(controller, 0.3)
    assert coast.mode == Mode.COAST and coast.forward == 0.0
    stop = lose(controller, 0.6, since_s=0.4)
    assert stop.is_zero and stop.mode == Mode.STOP_LOST
    # found again at 0.9: the hold runs from 0.9 (not from 0.2) to 1.9
    holding = [controller.on_target(drive_right(stamp), stamp) for stamp in (0.9, 1.5, 1.85)]
    assert all(command.mode == Mode.CONFIRM and command.forward == 0.0 for command in holding)
    done = controller.on_target(drive_right(1.95), 1.95)
    assert done.mode == Mode.FOLLOW and done.forward > 0


def test_stops_during_the_hold_are_immediate_and_the_hold_survives_stale_input() -> None:
    """A stale message during the hold stops at once; TRACKING again within the hold time still only turns."""
    controller = FollowController(ControllerConfig(reacquired_hold_s=1.0, stale_s=0.5, max_forward_accel=100.0))
    controller.on_target(drive_right(0.0), 0.0)
    lose(controller, 0.1)
    turning = controller.on_target(drive_right(0.2), 0.2)
    assert turning.mode == Mode.CONFIRM and turning.yaw_rate != 0
    stale = controller.on_target(drive_right(0.3, age_s=0.6), 0.9)
    assert stale.is_zero and stale.mode == Mode.STOP_STALE
    fresh = controller.on_target(drive_right(0.5), 1.0)
    assert fresh.mode == Mode.CONFIRM and fresh.forward == 0.0


def test_image_clock_going_back_restarts_the_hold_from_the_new_stamp() -> None:
    """Stamps jumping back during the hold (a restarted simulation) hold for reacquired_hold_s from the new stamp,
    not until the old stamps come round again."""
    controller = FollowController(ControllerConfig(reacquired_hold_s=1.0, max_forward_accel=100.0))
    controller.on_target(drive_right(1000.0), 1000.0)
    lose(controller, 1000.1)
    assert controller.on_target(drive_right(1000.2), 1000.2).mode == Mode.CONFIRM
    assert controller.on_target(drive_right(5.0), 1000.3).mode == Mode.CONFIRM
    assert controller.on_target(drive_right(5.9), 1000.4).mode == Mode.CONFIRM
    assert controller.on_target(drive_right(6.0), 1000.5).mode == Mode.FOLLOW


def test_steering_signs_and_dead_bands() -> None:
    """Right of centre turns right (negative yaw rate), left turns left; inside the dead band nothing turns; without
    bearing the normalized centre steers; a small target draws the robot closer, a large one never backs it up."""
    config = ControllerConfig(max_yaw_accel=100.0, max_forward_accel=100.0)
    assert FollowController(config).on_target(seen(0.0, has_bearing=True, azimuth=0.2), 0.0).yaw_rate < 0
    assert FollowController(config).on_target(seen(0.0, has_bearing=True, azimuth=-0.2), 0.0).yaw_rate > 0
    inside = FollowController(config).on_target(seen(0.0, has_bearing=True, azimuth=config.yaw_dead_band * 0.9), 0.0)
    assert inside.yaw_rate == 0.0
    no_bearing = FollowController(config).on_target(seen(0.0, center_x_norm=0.5, azimuth=-1.0), 0.0)
    assert no_bearing.yaw_rate == pytest.approx(-config.yaw_gain_norm * (0.5 - config.yaw_dead_band_norm))
    far = FollowController(config).on_target(seen(0.0, height_norm=0.2), 0.0)
    assert far.forward == pytest.approx(config.max_forward_speed)
    near = FollowController(config).on_target(seen(0.0, height_norm=0.9), 0.0)
    assert near.forward == 0.0
    reverse = FollowController(dataclasses.replace(config, max_reverse_speed=0.3)).on_target(
        seen(0.0, height_norm=0.9), 0.0)
    assert reverse.forward < 0


def test_prediction_used_only_when_recent() -> None:
    """The predicted centre steers when it reaches at most max_prediction_s ahead; otherwise the measured one."""
    config = ControllerConfig(max_yaw_accel=100.0, yaw_dead_band_norm=0.0, max_prediction_s=0.3)
    observation = seen(0.0, center_x_norm=0.1, predicted_center_x_norm=0.3, predicted_center_y_norm=0.0, age_s=0.2)
    predicted = FollowController(config).on_target(observation, 0.0)
    assert predicted.yaw_rate == pytest.approx(-config.yaw_gain_norm * 0.3)
    late = FollowController(config).on_target(dataclasses.replace(observation, age_s=0.4), 0.0)
    assert late.yaw_rate == pytest.approx(-config.yaw_gain_norm * 0.1)
    off = FollowController(dataclasses.replace(config, use_prediction=False)).on_target(observation, 0.0)
    assert off.yaw_rate == pytest.approx(-config.yaw_gain_norm * 0.1)
    # with bearing: the predicted shift in normalized units becomes radians through the box's angular size
    bearing = seen(0.0, has_bearing=True, azimuth=0.1, center_x_norm=0.2, predicted_center_x_norm=0.4,
                   predicted_center_y_norm=0.0, age_s=0.1, width_norm=0.1, angular_width=0.1)
    turned = FollowController(dataclasses.replace(config, yaw_dead_band=0.0)).on_target(bearing, 0.0)
    assert turned.yaw_rate == pytest.approx(-config.yaw_gain * (0.1 + 0.2 * 0.1 / (2 * 0.1)))


def test_limits_hold_on_every_command() -> None:
    """Random observations: every command within the speed limits, every moving command within the acceleration
    limits over the time between the images it answers."""
    config = ControllerConfig(max_yaw_rate=0.8, max_yaw_accel=2.0, max_forward_speed=0.4, max_reverse_speed=0.2,
                              max_forward_accel=0.5, pitch_gain=1.0, max_pitch_rate=0.3, max_pitch_accel=1.0,
                              search_yaw_rate=0.2)
    controller = FollowController(config)
    rng = np.random.default_rng(0)
    stamp, previous, previous_stamp = 0.0, Command(), None
    for _ in range(3000):
        stamp += float(rng.choice([0.0, 0.02, 0.1, 0.3, 1.0]))
        state = TrackState(int(rng.choice([0, 1, 1, 1, 1, 2, 2])))
        observation = TargetObservation(
            stamp_s=stamp, state=state, seconds_since_seen=float(rng.uniform(0, 3)) if state == LOST else 0.0,
            center_x_norm=float(rng.uniform(-1, 1)), center_y_norm=float(rng.uniform(-1, 1)),
            width_norm=float(rng.uniform(0, 1)), height_norm=float(rng.uniform(0, 1)),
            has_bearing=bool(rng.random() < 0.5), azimuth=float(rng.uniform(-1, 1)),
            elevation=float(rng.uniform(-0.5, 0.5)), angular_width=float(rng.uniform(0, 0.5)),
            angular_height=float(rng.uniform(0, 0.5)), age_s=float(rng.uniform(-0.1, 0.7)),
            predicted_center_x_norm=float(rng.uniform(-2, 2)), predicted_center_y_norm=float(rng.uniform(-2, 2)))
        if rng.random() < 0.1:
            command = controller.on_timer(stamp + float(rng.uniform(0, 1)))
            if command is None:  # input still fresh: no command
                continue
        else:
            command = controller.on_target(observation, stamp)
        assert abs(command.yaw_rate) <= config.max_yaw_rate
        assert -config.max_reverse_speed <= command.forward <= config.max_forward_speed
        assert abs(command.pitch_rate) <= config.max_pitch_rate
        if command.mode in MOVING and previous.mode in MOVING:
            step = min(max(stamp - previous_stamp, 0.0), MAX_STEP_S)
            assert abs(command.forward - previous.forward) <= config.max_forward_accel * step + 1e-12
            assert abs(command.yaw_rate - previous.yaw_rate) <= config.max_yaw_accel * step + 1e-12
            assert abs(command.pitch_rate - previous.pitch_rate) <= config.max_pitch_accel * step + 1e-12
        if command.mode in MOVING:
            previous_stamp = stamp
        previous = command


def test_config_rejects_bad_values() -> None:
    """Negative (e.g. a negative hold) or non-finite values, a zero desired height and a search faster than the yaw
    limit are errors."""
    with pytest.raises(ValueError, match="max_yaw_rate"):
        ControllerConfig(max_yaw_rate=-1.0)
    with pytest.raises(ValueError, match="stale_s"):
        ControllerConfig(stale_s=math.nan)
    with pytest.raises(ValueError, match="desired_height"):
        ControllerConfig(desired_height=0.0)
    with pytest.raises(ValueError, match="reacquired_hold_s"):
        ControllerConfig(reacquired_hold_s=-0.5)
    with pytest.raises(ValueError, match="search_yaw_rate"):
        ControllerConfig(search_yaw_rate=2.0, max_yaw_rate=1.0)
