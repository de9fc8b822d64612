"""Which buffered frame the tracker node's worker takes next, and which of its results are still wanted.

A target names the frame it was drawn on: the worker tracks the buffered frames after it in order (catching up,
without publishing frames already published), then always the newest frame, skipping the older ones. A new or
dropped target bumps the *generation* (results of an older one are discarded); image stamps that jump backwards
bump the *epoch* (the ordering restarts, results of an older one are dropped).
"""
from __future__ import annotations

import dataclasses

from smat_ros.ros.frame_buffer import FrameBuffer, StampedFrame


@dataclasses.dataclass(frozen=True)
class Job:
    """One buffered frame taken by the worker; ``replay`` frames are tracked but not published again."""

    frame: StampedFrame
    replay: bool
    generation: int
    tracking: bool
    epoch: int  # frame ordering epoch (bumped when the image stamps jump backwards)


class FrameSchedule:
    """The frame buffer and the worker's place in it.

    Not thread-safe: the node guards it with its lock.
    """

    def __init__(self, buffer: FrameBuffer) -> None:
        self.buffer = buffer
        self.reset()

    def reset(self) -> None:
        """Forget the frames and the ordering (no target, nothing published yet)."""
        self.buffer.clear()
        self.cursor_ns = -1  # stamp of the last frame the worker took
        self.published_ns = -1  # stamp of the last frame whose detections were published
        self.catchup_until_ns = -1  # after a target on an older frame: replay in order up to this stamp
        self.generation = 0  # bumped by every target change; results of an older generation are discarded
        self.epoch = 0  # bumped when the frame ordering restarts; results of an older epoch are dropped

    def next_job(self, tracking: bool) -> tuple[Job | None, int]:
        """The next frame to process (in order while catching up, else the newest) and how many it skips."""
        pending = self.buffer.after(self.cursor_ns)
        if not pending:
            return None, 0
        if self.cursor_ns < self.catchup_until_ns:
            frame, skipped = pending[0], 0
        else:
            frame, skipped = pending[-1], len(pending) - 1
        self.cursor_ns = frame.stamp_ns
        return Job(frame, frame.stamp_ns <= self.published_ns, self.generation, tracking, self.epoch), skipped

    def start_target(self, frame: StampedFrame) -> tuple[int, bool]:
        """A target was set on ``frame``: track from it; (buffered frames after it, whether it is newly published)."""
        self.generation += 1
        self.cursor_ns = frame.stamp_ns
        newest = self.buffer.newest
        self.catchup_until_ns = newest.stamp_ns if newest is not None else frame.stamp_ns
        catchup = len(self.buffer.after(frame.stamp_ns))
        unpublished = frame.stamp_ns > self.published_ns
        self.published_ns = max(self.published_ns, frame.stamp_ns)
        return catchup, unpublished

    def drop_target(self) -> None:
        """The target was dropped: its results are discarded; frames after the last published one are taken again."""
        self.generation += 1
        self.catchup_until_ns = -1
        self.cursor_ns = self.published_ns

    def restart_ordering(self) -> int:
        """The image stamps jumped backwards: forget the buffered frames and the ordering; how many were pending."""
        pending = len(self.buffer.after(self.cursor_ns))
        self.buffer.clear()
        self.epoch += 1
        self.cursor_ns = self.published_ns = self.catchup_until_ns = -1
        return pending
