"""JPEG encoding off the image path: newest frame wins, drops and bad frames are counted, sizes kept."""
from __future__ import annotations

import threading

import cv2
import numpy as np

from smat_ros.teleop.frames import FrameEncoder, encode_jpeg
from smat_ros.teleop.protocol import Stamp


def test_jpeg_keeps_the_picture_and_shrinks_only_wide_frames():
    frame = np.zeros((60, 100, 3), np.uint8)
    frame[:, :50] = (255, 0, 0)  # left half red (RGB)
    decoded = cv2.imdecode(np.frombuffer(encode_jpeg(frame, 90, 0), np.uint8), cv2.IMREAD_COLOR)  # BGR
    assert decoded.shape == (60, 100, 3)
    assert decoded[30, 10, 2] > 200 and decoded[30, 90, 2] < 50
    small = cv2.imdecode(np.frombuffer(encode_jpeg(frame, 90, 50), np.uint8), cv2.IMREAD_COLOR)
    assert small.shape == (30, 50, 3)


def test_newest_frame_wins_while_the_encoder_is_busy_and_drops_are_counted():
    started, release = threading.Event(), threading.Event()
    delivered = []

    def slow_convert(value: int) -> np.ndarray:
        started.set()
        release.wait(10)
        return np.full((8, 8, 3), value, np.uint8)

    encoder = FrameEncoder(slow_convert, delivered.append)
    try:
        encoder.submit(1, Stamp(1, 0), "cam")  # taken by the worker, which blocks in convert
        assert started.wait(10)
        for value in (2, 3, 4):  # 2 and 3 are replaced before the worker is free
            encoder.submit(value, Stamp(value, 0), "cam")
        release.set()
        for _ in range(500):
            if len(delivered) == 2:
                break
            threading.Event().wait(0.01)
    finally:
        encoder.close()
    assert [frame.stamp.sec for frame in delivered] == [1, 4]
    assert (delivered[1].width, delivered[1].height, delivered[1].sequence) == (8, 8, 2)
    counters = encoder.snapshot()
    assert (counters.submitted, counters.encoded, counters.dropped, counters.failed) == (4, 2, 2, 0)


def test_a_frame_that_cannot_be_converted_is_counted_and_the_next_one_is_shown():
    delivered = []

    def convert(value):
        if value is None:
            raise ValueError("image data has 0 bytes")
        return np.zeros((4, 4, 3), np.uint8)

    encoder = FrameEncoder(convert, delivered.append)
    try:
        encoder.submit(None, Stamp(1, 5), "cam")
        for _ in range(500):
            if encoder.snapshot().failed:
                break
            threading.Event().wait(0.01)
        encoder.submit(1, Stamp(2, 0), "cam")
        for _ in range(500):
            if delivered:
                break
            threading.Event().wait(0.01)
    finally:
        encoder.close()
    counters = encoder.snapshot()
    assert counters.failed == 1 and "1.000000005" in counters.last_error and "0 bytes" in counters.last_error
    assert [frame.stamp.sec for frame in delivered] == [2]
