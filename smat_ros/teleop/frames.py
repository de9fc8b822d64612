"""Latest-frame-wins JPEG encoding off the image path: the camera callback hands over a frame and returns at once.

One worker thread converts and encodes the newest frame submitted; a frame replaced before the worker took it is
dropped and counted. Conversion failures are counted too and the last reason kept.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from smat_ros.errors import InputError
from smat_ros.teleop.protocol import EncodedFrame, Stamp

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class EncoderCounters:
    """What happened to the frames handed to the encoder."""

    submitted: int = 0
    encoded: int = 0
    dropped: int = 0  # replaced by a newer frame before they were encoded
    failed: int = 0  # could not be converted (bad image); see last_error
    last_error: str = ""


def encode_jpeg(frame: np.ndarray, quality: int, max_width: int) -> bytes:
    """JPEG of an RGB frame, shrunk to ``max_width`` pixels wide when it is wider (0: full size)."""
    height, width = frame.shape[:2]
    if max_width and width > max_width:
        frame = cv2.resize(frame, (max_width, max(1, round(height * max_width / width))), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InputError("JPEG encoding failed")
    return data.tobytes()


class FrameEncoder:
    """Encodes the newest submitted frame in a worker thread and hands the result to ``deliver``."""

    def __init__(self, convert: Callable[[Any], np.ndarray], deliver: Callable[[EncodedFrame], None],
                 quality: int = 80, max_width: int = 0) -> None:
        self._convert = convert
        self._deliver = deliver
        self._quality = quality
        self._max_width = max_width
        self._pending: tuple[Any, Stamp, str] | None = None
        self._condition = threading.Condition()
        self._stopping = False
        self.counters = EncoderCounters()
        self._thread = threading.Thread(target=self._run, name="teleop_jpeg_encoder", daemon=True)
        self._thread.start()

    def submit(self, source: Any, stamp: Stamp, frame_id: str) -> None:
        """Hand over a frame (e.g. a sensor_msgs/Image); replaces and counts one not encoded yet."""
        with self._condition:
            self.counters.submitted += 1
            if self._pending is not None:
                self.counters.dropped += 1
            self._pending = (source, stamp, frame_id)
            self._condition.notify()

    def snapshot(self) -> EncoderCounters:
        """A copy of the counters."""
        with self._condition:
            return dataclasses.replace(self.counters)

    def _run(self) -> None:
        """Worker: take the newest frame, convert, encode, deliver."""
        while True:
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                source, stamp, frame_id = self._pending
                self._pending = None
            try:
                frame = self._convert(source)
                jpeg = encode_jpeg(frame, self._quality, self._max_width)
            except (ValueError, cv2.error) as exc:  # InputError is a ValueError
                with self._condition:
                    self.counters.failed += 1
                    self.counters.last_error = f"frame {stamp.sec}.{stamp.nanosec:09d} not shown: {exc}"
                LOG.warning(self.counters.last_error)
                continue
            with self._condition:
                self.counters.encoded += 1
                sequence = self.counters.encoded
            height, width = frame.shape[:2]
            self._deliver(EncodedFrame(stamp, frame_id, width, height, jpeg, sequence))

    def close(self) -> None:
        """Stop the worker thread (a frame being encoded is finished first)."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join()
