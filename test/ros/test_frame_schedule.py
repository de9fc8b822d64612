"""The worker's frame order: newest frame first, in-order catch-up after a target, generations and epochs."""
from __future__ import annotations

import numpy as np

from smat_ros.ros.frame_buffer import FrameBuffer, StampedFrame
from smat_ros.ros.frame_schedule import FrameSchedule


def frame(stamp_ns: int) -> StampedFrame:
    """A stamped 1x1 frame."""
    return StampedFrame(stamp_ns, None, np.zeros((1, 1, 3), np.uint8), 0)


def schedule_with(*stamps: int) -> FrameSchedule:
    """A schedule whose buffer holds frames with ``stamps``."""
    schedule = FrameSchedule(FrameBuffer(span_ns=10_000))
    for stamp in stamps:
        schedule.buffer.add(frame(stamp))
    return schedule


def test_without_a_target_the_newest_frame_is_taken_and_the_older_ones_skipped():
    schedule = schedule_with(10, 20, 30)
    job, skipped = schedule.next_job(tracking=False)
    assert (job.frame.stamp_ns, job.replay, job.tracking, skipped) == (30, False, False, 2)
    assert schedule.next_job(tracking=False) == (None, 0)  # nothing newer than the cursor
    schedule.buffer.add(frame(40))
    assert schedule.next_job(tracking=False)[0].frame.stamp_ns == 40


def test_a_target_on_an_older_frame_catches_up_in_order_then_takes_the_newest():
    schedule = schedule_with(10, 20, 30, 40)
    schedule.published_ns = 30  # frames up to 30 went out before the target arrived
    catchup, unpublished = schedule.start_target(schedule.buffer.at_or_before(10))
    assert (catchup, unpublished, schedule.generation) == (3, False, 1)
    schedule.buffer.add(frame(50))
    taken = [schedule.next_job(tracking=True) for _ in range(4)]
    assert [(job.frame.stamp_ns, job.replay, skipped) for job, skipped in taken] == [
        (20, True, 0), (30, True, 0), (40, False, 0), (50, False, 0)]  # 40 ends the catch-up: 50 is the newest
    assert all(job.generation == 1 and job.tracking for job, _ in taken)


def test_a_target_on_an_unpublished_frame_publishes_it():
    schedule = schedule_with(10, 20)
    assert schedule.start_target(schedule.buffer.newest) == (0, True)
    assert schedule.published_ns == 20 and schedule.next_job(tracking=True) == (None, 0)


def test_dropping_the_target_retakes_the_frames_after_the_last_published_one():
    schedule = schedule_with(10, 20, 30)
    schedule.start_target(schedule.buffer.at_or_before(10))
    schedule.next_job(tracking=True)
    schedule.published_ns = 20
    schedule.next_job(tracking=True)  # 30 taken, its result not published yet
    schedule.drop_target()
    assert schedule.generation == 2
    job, skipped = schedule.next_job(tracking=False)
    assert (job.frame.stamp_ns, job.generation, skipped) == (30, 2, 0)


def test_a_clock_reset_forgets_the_frames_and_counts_the_pending_ones():
    schedule = schedule_with(10, 20, 30)
    schedule.next_job(tracking=False)  # takes 30
    schedule.buffer.add(frame(40))
    schedule.buffer.add(frame(50))
    assert schedule.restart_ordering() == 2
    assert (len(schedule.buffer), schedule.epoch, schedule.cursor_ns, schedule.published_ns) == (0, 1, -1, -1)
    schedule.buffer.add(frame(5))
    assert schedule.next_job(tracking=False)[0].epoch == 1


def test_reset_forgets_frames_target_and_ordering():
    schedule = schedule_with(10, 20)
    schedule.start_target(schedule.buffer.at_or_before(10))
    schedule.restart_ordering()
    schedule.reset()
    assert (len(schedule.buffer), schedule.generation, schedule.epoch, schedule.cursor_ns) == (0, 0, 0, -1)
