"""The node's account of its target for ~/status: state changes, events reported once, counters (no DDS)."""
from __future__ import annotations

from std_msgs.msg import Header

from smat_ros import TrackResult
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.msg import TrackStatus
from smat_ros.ros.track_record import TrackRecord


def test_a_new_target_is_tracking_under_a_fresh_id_and_its_start_is_reported_once():
    record = TrackRecord()
    record.last_error = "set_target failed: no image"
    first = record.start()
    status = record.status(Header(frame_id="cam"), 0.5, 2, processing_ms=3.0, latency_ms=4.0)
    assert (status.state, status.event, status.track_id, status.last_error) == (
        TrackStatus.TRACKING, TrackStatus.EVENT_STARTED, first, "")
    assert (status.header.frame_id, status.seconds_since_image, status.clock_resets) == ("cam", 0.5, 2)
    assert (status.processing_ms, status.latency_ms) == (3.0, 4.0)
    assert record.status(Header(), 0.0, 0).event == TrackStatus.EVENT_NONE
    assert record.start() != first and record.has_target


def test_results_move_the_state_and_a_timeout_drops_the_id_after_its_status():
    record = TrackRecord()
    track_id = record.start()
    record.apply(TrackResult((0, 0, 1, 1), 0.1, TrackState.LOST, TrackEvent.LOST, seconds_since_seen=0.4))
    lost = record.status(Header(), 0.0, 0)
    assert (lost.state, lost.event, lost.score, lost.seconds_since_seen) == (
        TrackStatus.LOST, TrackStatus.EVENT_LOST, 0.1, 0.4)
    record.apply(TrackResult((0, 0, 1, 1), 0.0, TrackState.IDLE, TrackEvent.TIMED_OUT, reason="lost for 5 s"))
    timed_out = record.status(Header(), 0.0, 0)
    assert (timed_out.track_id, timed_out.last_error) == (track_id, "lost for 5 s")
    assert record.status(Header(), 0.0, 0).track_id == "" and not record.has_target


def test_a_tracking_failure_is_lost_with_the_reason_and_a_drop_is_idle():
    record = TrackRecord()
    record.start()
    record.score = 0.8
    record.fail("tracking failed: boom")
    assert (record.state, record.score, record.last_error) == (TrackStatus.LOST, 0.0, "tracking failed: boom")
    record.drop()
    assert (record.state, record.track_id, record.has_target) == (TrackStatus.IDLE, "", False)


def test_the_counters_are_reported_and_survive_a_reset():
    record = TrackRecord()
    counters = record.counters
    counters.received, counters.processed, counters.dropped = 5, 3, 1
    counters.rejected, counters.replayed, counters.debug_images = 1, 2, 1
    record.reset()
    status = record.status(Header(), -1.0, 0)
    assert (status.frames_received, status.frames_processed, status.frames_dropped, status.frames_rejected,
            status.frames_replayed, status.debug_images) == (5, 3, 1, 1, 2, 1)
    assert (status.state, status.seconds_since_image) == (TrackStatus.IDLE, -1.0)
