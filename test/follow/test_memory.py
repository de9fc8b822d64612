"""TargetMemory: the last box, the usual size, where the target is expected, camera shifts and roll-backs."""
from __future__ import annotations

import numpy as np
import pytest

from smat_ros.follow.memory import RECENT_SIZES, TargetMemory

FRAME = np.zeros((240, 320, 3), np.uint8)


def walked(memory: TargetMemory, start: float, step: float, frames: int) -> None:
    """The target seen at 10 fps moving ``step`` px to the right per frame from x = ``start``."""
    for i in range(frames):
        memory.see(FRAME, (start + step * i, 100.0, 20.0, 40.0), 0.1 * i, colours=False)


def test_usual_size_is_the_median_of_the_recent_boxes() -> None:
    memory = TargetMemory()
    memory.start(FRAME, (10.0, 10.0, 20.0, 40.0), 0.0, colours=False)
    for stamp in range(1, 4):
        memory.see(FRAME, (10.0, 10.0, 60.0, 90.0), float(stamp), colours=False)  # a few drifting boxes
    for stamp in range(4, 8):
        memory.see(FRAME, (10.0, 10.0, 22.0, 44.0), float(stamp), colours=False)
    assert memory.usual_size() == (22.0, 44.0)
    assert memory.size() == pytest.approx((22.0 * 44.0) ** 0.5)


def test_only_the_recent_sizes_count() -> None:
    memory = TargetMemory()
    memory.start(FRAME, (10.0, 10.0, 20.0, 40.0), 0.0, colours=False)
    for stamp in range(1, RECENT_SIZES + 1):
        memory.see(FRAME, (10.0, 10.0, 30.0, 60.0), float(stamp), colours=False)
    assert memory.usual_size() == (30.0, 60.0)


def test_start_forgets_the_last_target() -> None:
    memory = TargetMemory()
    walked(memory, 0.0, 10.0, 10)
    memory.start(FRAME, (200.0, 50.0, 10.0, 30.0), 5.0, colours=False)
    assert memory.box == (200.0, 50.0, 10.0, 30.0)
    assert memory.usual_size() == (10.0, 30.0)
    assert memory.expected_box(FRAME.shape, 6.0, 2.0) == pytest.approx((200.0, 50.0, 10.0, 30.0))


def test_expected_where_the_velocity_takes_it_for_at_most_the_prediction_limit() -> None:
    memory = TargetMemory()
    walked(memory, 0.0, 5.0, 20)  # 50 px/s, last seen centred at x = 105 at 1.9 s
    x, _, w, _ = memory.expected_box(FRAME.shape, 2.9, 2.0)
    assert x + w / 2 == pytest.approx(105.0 + 50.0, abs=3.0)
    capped = memory.expected_box(FRAME.shape, 10.0, 0.5)
    assert capped[0] + capped[2] / 2 == pytest.approx(105.0 + 25.0, abs=2.0)


def test_a_camera_shift_moves_the_box_and_the_expected_place() -> None:
    memory = TargetMemory()
    walked(memory, 100.0, 0.0, 10)
    before = memory.expected_box(FRAME.shape, 1.0, 2.0)
    memory.shift(-30.0, 12.0, FRAME.shape)
    assert memory.box == pytest.approx((70.0, 112.0, 20.0, 40.0))
    after = memory.expected_box(FRAME.shape, 1.0, 2.0)
    assert (after[0] - before[0], after[1] - before[1]) == pytest.approx((-30.0, 12.0), abs=0.5)


def test_a_shift_keeps_the_box_centre_on_the_frame() -> None:
    memory = TargetMemory()
    memory.start(FRAME, (300.0, 100.0, 20.0, 40.0), 0.0, colours=False)
    memory.shift(100.0, 0.0, FRAME.shape)
    assert memory.box is not None and memory.box[0] + memory.box[2] / 2 == FRAME.shape[1] - 1.0


def test_roll_back_restarts_the_motion_from_the_verified_box() -> None:
    memory = TargetMemory()
    walked(memory, 0.0, 10.0, 10)  # 100 px/s
    memory.roll_back((40.0, 100.0, 20.0, 40.0), 0.4)
    assert memory.box == (40.0, 100.0, 20.0, 40.0)
    expected = memory.expected_box(FRAME.shape, 2.0, 2.0)  # no velocity since the roll-back
    assert expected[0] + expected[2] / 2 == pytest.approx(50.0)


def test_roll_back_forgets_the_sizes_of_the_later_boxes() -> None:
    memory = TargetMemory()
    walked(memory, 0.0, 10.0, 5)  # 20x40 boxes until 0.4 s
    for i in range(5, 11):
        memory.see(FRAME, (50.0, 100.0, 60.0, 90.0), 0.1 * i, colours=False)  # the box drifted and grew
    assert memory.usual_size() == (60.0, 90.0)
    memory.roll_back((40.0, 100.0, 20.0, 40.0), 0.4)
    assert memory.usual_size() == (20.0, 40.0)


def test_roll_back_forgets_the_colours_of_the_later_boxes() -> None:
    """Boxes on a grey neighbour after the verified one would make any red-less candidate look as much like the red
    target as the track's own recent boxes; rolled back, only the red boxes count again."""
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[:, :160] = (200, 30, 30)  # the target's red on the left, grey on the right
    frame[:, 160:] = 128
    target, neighbour = (10.0, 10.0, 40.0, 40.0), (200.0, 10.0, 40.0, 40.0)
    memory = TargetMemory()
    memory.start(frame, target, 0.0, colours=True)
    for i in range(1, 4):
        memory.see(frame, target, 0.1 * i, colours=True)
    for i in range(4, 12):
        memory.see(frame, neighbour, 0.1 * i, colours=True)  # drifted onto the neighbour
    assert memory.appearance.relative_similarity(frame, neighbour) == pytest.approx(1.0)
    memory.roll_back(target, 0.3)
    assert memory.appearance.relative_similarity(frame, neighbour) < 0.1
    assert memory.appearance.relative_similarity(frame, target) == pytest.approx(1.0)


def test_found_again_forgets_the_velocity_before_the_loss() -> None:
    memory = TargetMemory()
    walked(memory, 0.0, 10.0, 10)  # 100 px/s
    memory.found_again(FRAME, (200.0, 100.0, 20.0, 40.0), 3.0, colours=False)
    assert memory.box == (200.0, 100.0, 20.0, 40.0)
    expected = memory.expected_box(FRAME.shape, 4.0, 2.0)
    assert expected[0] + expected[2] / 2 == pytest.approx(210.0)  # where it was found, not 100 px further
    assert memory.usual_size() == (20.0, 40.0)  # its size counts among the recent ones


def test_colours_are_remembered_only_when_asked() -> None:
    frame = np.full((240, 320, 3), (200, 30, 30), np.uint8)
    memory = TargetMemory()
    memory.start(frame, (10.0, 10.0, 40.0, 40.0), 0.0, colours=False)
    assert memory.appearance.relative_similarity(frame, (10.0, 10.0, 40.0, 40.0)) is None
    memory.start(frame, (10.0, 10.0, 40.0, 40.0), 0.0, colours=True)
    assert memory.appearance.relative_similarity(frame, (10.0, 10.0, 40.0, 40.0)) is not None
