"""The node's frame buffer: ordering, time span, lookups by stamp."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smat_ros.errors import InputError
from smat_ros.ros.frame_buffer import FrameBuffer, StampedFrame, frame_named_by


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


def sized(stamp_ns: int, side: int) -> StampedFrame:
    """A stamped side x side frame (3 * side**2 bytes)."""
    return StampedFrame(stamp_ns, None, np.zeros((side, side, 3), np.uint8), 0)


def test_the_byte_budget_forgets_the_oldest_frames_and_keeps_the_newest():
    buffer = FrameBuffer(span_ns=10**12, max_bytes=3 * 300)  # three 10x10 frames
    for stamp in range(5):
        buffer.add(sized(stamp, 10))
        assert buffer.nbytes == 300 * len(buffer) <= 900
    assert stamps(buffer.after(-1)) == [2, 3, 4]
    buffer.add(sized(5, 40))  # larger than the whole budget: kept alone, as the newest frame
    assert stamps(buffer.after(-1)) == [5] and buffer.nbytes == 4800
    buffer.max_bytes = None
    buffer.add(sized(6, 10))
    buffer.add(sized(7, 10))
    assert stamps(buffer.after(-1)) == [5, 6, 7] and buffer.nbytes == 5400
    buffer.max_bytes = 700
    buffer.trim()
    assert stamps(buffer.after(-1)) == [6, 7] and buffer.nbytes == 600
    buffer.clear()
    assert len(buffer) == 0 and buffer.nbytes == 0 and buffer.newest is None


@settings(max_examples=200, deadline=None)
@given(operations=st.lists(st.tuples(st.integers(0, 50), st.integers(1, 6)), max_size=40),
       span_ns=st.integers(0, 30), max_bytes=st.one_of(st.none(), st.integers(0, 400)))
def test_any_sequence_of_frames_keeps_the_buffer_ordered_within_span_and_budget(operations, span_ns, max_bytes):
    buffer = FrameBuffer(span_ns, max_bytes)
    for stamp, side in operations:
        buffer.add(sized(stamp, side))
        held = buffer.after(-1)
        assert stamps(held) == sorted(stamps(held)) and buffer.newest is held[-1]
        assert buffer.nbytes == sum(f.frame.nbytes for f in held)
        assert held[-1].stamp_ns - held[0].stamp_ns <= span_ns
        assert max_bytes is None or len(held) == 1 or buffer.nbytes <= max_bytes


def framed(stamp_ns: int, frame_id: str = "camera") -> StampedFrame:
    """A stamped 1x1 frame whose header names ``frame_id``."""
    return StampedFrame(stamp_ns, SimpleNamespace(frame_id=frame_id), np.zeros((1, 1, 3), np.uint8), 0)


def target_buffer() -> FrameBuffer:
    """Frames stamped 1.0, 1.1 and 1.2 s in frame 'camera'."""
    buffer = FrameBuffer(span_ns=10**9)
    for stamp in (1_000_000_000, 1_100_000_000, 1_200_000_000):
        buffer.add(framed(stamp))
    return buffer


def test_a_target_stamp_names_the_frame_at_or_before_it_and_zero_names_the_newest():
    buffer = target_buffer()
    assert frame_named_by(buffer, 1_100_000_000, "camera", "/image", "1 s").stamp_ns == 1_100_000_000
    assert frame_named_by(buffer, 1_150_000_000, "", "/image", "1 s").stamp_ns == 1_100_000_000
    assert frame_named_by(buffer, 0, "camera", "/image", "1 s").stamp_ns == 1_200_000_000


@pytest.mark.parametrize("requested_ns, frame_id, words", [
    (1_300_000_000, "camera", "target stamp 1.300000000 s names a frame that has not arrived: the newest frame is "
                              "stamped 1.200000000 s"),
    (900_000_000, "camera", "target stamp 0.900000000 s is older than the oldest buffered frame (1.000000000 s); "
                            "frames are kept for frame_buffer_s=1.0"),
    (1_000_000_000, "base_link", "target frame_id 'base_link' is not the images' frame_id 'camera'"),
])
def test_a_target_stamp_without_its_frame_is_an_input_error_saying_why(requested_ns, frame_id, words):
    with pytest.raises(InputError) as raised:
        frame_named_by(target_buffer(), requested_ns, frame_id, "/image", "frame_buffer_s=1.0")
    assert words in str(raised.value)


def test_no_frame_yet_names_the_image_topic():
    with pytest.raises(InputError, match="no image received yet on /cam/image: cannot set a target"):
        frame_named_by(FrameBuffer(span_ns=10**9), 0, "", "/cam/image", "1 s")
