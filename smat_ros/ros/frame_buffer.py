"""The node's short history of received frames, ordered by stamp, for frame-accurate targets and catch-up."""
from __future__ import annotations

import bisect
import dataclasses
from typing import Any

import numpy as np

from smat_ros.errors import InputError
from smat_ros.ros.clock import format_ns


@dataclasses.dataclass(frozen=True)
class StampedFrame:
    """One received frame: its stamp (ns), the message header, the RGB pixels and when it arrived (monotonic ns)."""

    stamp_ns: int
    header: Any
    frame: np.ndarray
    received_ns: int


class FrameBuffer:
    """Frames whose stamps lie within ``span_ns`` of the newest one and whose pixels fit in ``max_bytes`` together,
    oldest first (the newest is always kept, whatever its size).

    Not thread-safe: the node guards it with its lock.
    """

    def __init__(self, span_ns: int, max_bytes: int | None = None) -> None:
        self.span_ns = span_ns
        self.max_bytes = max_bytes
        self._frames: list[StampedFrame] = []
        self._stamps: list[int] = []
        self._bytes = 0

    def __len__(self) -> int:
        """Number of buffered frames."""
        return len(self._frames)

    def add(self, frame: StampedFrame) -> None:
        """Insert ``frame`` in stamp order and forget frames older than the span."""
        index = bisect.bisect_right(self._stamps, frame.stamp_ns)
        self._stamps.insert(index, frame.stamp_ns)
        self._frames.insert(index, frame)
        self._bytes += frame.frame.nbytes
        self.trim()

    @property
    def nbytes(self) -> int:
        """Bytes of pixels held."""
        return self._bytes

    def trim(self) -> None:
        """Forget frames older than ``span_ns`` before the newest one, then the oldest until within ``max_bytes``."""
        if not self._stamps:
            return
        first = bisect.bisect_left(self._stamps, self._stamps[-1] - self.span_ns)
        if self.max_bytes is not None:
            held = self._bytes - sum(frame.frame.nbytes for frame in self._frames[:first])
            while first < len(self._frames) - 1 and held > self.max_bytes:
                held -= self._frames[first].frame.nbytes
                first += 1
        self._bytes -= sum(frame.frame.nbytes for frame in self._frames[:first])
        del self._stamps[:first], self._frames[:first]

    def clear(self) -> None:
        """Forget every frame."""
        self._frames.clear()
        self._stamps.clear()
        self._bytes = 0

    @property
    def oldest(self) -> StampedFrame | None:
        """The frame with the smallest stamp, or None when empty."""
        return self._frames[0] if self._frames else None

    @property
    def newest(self) -> StampedFrame | None:
        """The frame with the largest stamp, or None when empty."""
        return self._frames[-1] if self._frames else None

    def at_or_before(self, stamp_ns: int) -> StampedFrame | None:
        """The newest frame whose stamp is <= ``stamp_ns``, or None if all are newer."""
        index = bisect.bisect_right(self._stamps, stamp_ns)
        return self._frames[index - 1] if index else None

    def after(self, stamp_ns: int) -> list[StampedFrame]:
        """Frames whose stamp is > ``stamp_ns``, oldest first."""
        return self._frames[bisect.bisect_right(self._stamps, stamp_ns) :]


def frame_named_by(buffer: FrameBuffer, requested_ns: int, frame_id: str, topic: str, kept_for: str) -> StampedFrame:
    """The buffered frame a target stamp names (zero: the newest); InputError when none arrived yet on ``topic``,
    the stamp is ahead of the newest frame or older than the oldest (``kept_for``: how long frames are kept), or
    ``frame_id`` is not the frame's."""
    newest, oldest = buffer.newest, buffer.oldest
    if newest is None or oldest is None:
        raise InputError(f"no image received yet on {topic}: cannot set a target")
    if requested_ns == 0:
        frame = newest
    elif requested_ns > newest.stamp_ns:
        raise InputError(f"target stamp {format_ns(requested_ns)} s names a frame that has not arrived: the "
                         f"newest frame is stamped {format_ns(newest.stamp_ns)} s")
    else:
        found = buffer.at_or_before(requested_ns)
        if found is None:
            raise InputError(f"target stamp {format_ns(requested_ns)} s is older than the oldest buffered frame "
                             f"({format_ns(oldest.stamp_ns)} s); frames are kept for {kept_for}")
        frame = found
    image_frame_id = frame.header.frame_id
    if frame_id and image_frame_id and frame_id != image_frame_id:
        raise InputError(f"target frame_id {frame_id!r} is not the images' frame_id {image_frame_id!r}")
    return frame
