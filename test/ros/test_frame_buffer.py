"""The node's frame buffer: ordering, time span, lookups by stamp."""
from __future__ import annotations

import numpy as np

from smat_ros.ros.frame_buffer import FrameBuffer, StampedFrame


def frame(stamp_ns: int) -> StampedFrame:
    """A stamped 1x1 frame."""
    return StampedFrame(stamp_ns, None, np.zeros((1, 1, 3), np.uint8), 0)


def stamps(frames: list[StampedFrame]) -> list[int]:
    """Stamps of ``frames``."""
    return [f.stamp_ns for f in frames]


def test_frames_older_than_the_span_before_the_newest_are_forgotten():
    buffer = FrameBuffer(span_ns=100)
    for stamp in (0, 50, 100, 150, 220):
        buffer.add(frame(stamp))
    assert stamps(buffer.after(-1)) == [150, 220]
    assert buffer.oldest.stamp_ns == 150 and buffer.newest.stamp_ns == 220


def test_out_of_order_frames_are_kept_in_stamp_order():
    buffer = FrameBuffer(span_ns=1000)
    for stamp in (10, 30, 20):
        buffer.add(frame(stamp))
    assert stamps(buffer.after(-1)) == [10, 20, 30]


def test_lookup_takes_the_newest_frame_at_or_before_a_stamp():
    buffer = FrameBuffer(span_ns=1000)
    for stamp in (10, 20, 30):
        buffer.add(frame(stamp))
    assert buffer.at_or_before(20).stamp_ns == 20
    assert buffer.at_or_before(29).stamp_ns == 20
    assert buffer.at_or_before(1000).stamp_ns == 30
    assert buffer.at_or_before(9) is None
    assert stamps(buffer.after(20)) == [30]


def test_a_zero_span_keeps_only_the_newest_frame_and_a_shrunk_span_trims():
    buffer = FrameBuffer(span_ns=1000)
    for stamp in (10, 20, 30):
        buffer.add(frame(stamp))
    buffer.span_ns = 10
    buffer.trim()
    assert stamps(buffer.after(-1)) == [20, 30]
    buffer.span_ns = 0
    buffer.trim()
    assert len(buffer) == 1 and buffer.newest.stamp_ns == 30
    assert FrameBuffer(0).newest is None


def test_clear_forgets_every_frame():
    buffer = FrameBuffer(span_ns=1000)
    for stamp in (10, 20):
        buffer.add(frame(stamp))
    buffer.clear()
    assert len(buffer) == 0 and buffer.newest is None and buffer.after(-1) == []
    buffer.add(frame(5))
    assert stamps(buffer.after(-1)) == [5]
