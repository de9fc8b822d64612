"""The tracker node's account of its target and frames, as ``~/status`` (smat_ros/TrackStatus) reports it.

The state, track id, score and event of the current target, the last error and the frame counters; the node
updates it from the tracker's results and its own decisions (new target, dropped target, rejected frames) and takes
a TrackStatus from it for each frame and each heartbeat. An event is reported on one status only.
"""
from __future__ import annotations

import dataclasses
import uuid

from std_msgs.msg import Header

from smat_ros import TrackResult
from smat_ros.follow.states import TrackEvent
from smat_ros.msg import TrackStatus


@dataclasses.dataclass
class Counters:
    """Frame counters reported in TrackStatus."""

    received: int = 0
    processed: int = 0
    dropped: int = 0
    rejected: int = 0
    replayed: int = 0
    debug_images: int = 0


class TrackRecord:
    """The current target and the counters since start-up.

    Not thread-safe: the node guards it with its lock.
    """

    def __init__(self) -> None:
        self.counters = Counters()
        self.reset()

    def reset(self) -> None:
        """No target, no error, no event (the counters stay)."""
        self.state = TrackStatus.IDLE
        self.track_id = ""
        self.score = 0.0
        self.last_error = ""
        self.event = TrackStatus.EVENT_NONE  # the transition of the status being built
        self.seconds_since_seen = 0.0

    @property
    def has_target(self) -> bool:
        """Whether a target is set (TRACKING or LOST)."""
        return self.state != TrackStatus.IDLE

    def start(self) -> str:
        """A new target: TRACKING under a fresh track id (returned), the last error cleared."""
        self.track_id = uuid.uuid4().hex
        self.state = TrackStatus.TRACKING
        self.event = TrackStatus.EVENT_STARTED
        self.seconds_since_seen = 0.0
        self.last_error = ""
        self.score = 0.0
        return self.track_id

    def drop(self) -> None:
        """The target is dropped: IDLE."""
        self.state = TrackStatus.IDLE
        self.track_id = ""
        self.score = 0.0
        self.seconds_since_seen = 0.0

    def apply(self, result: TrackResult) -> None:
        """One frame's result of the library's state machine (hysteresis, re-acquisition, timeout)."""
        self.score = result.score
        self.state = int(result.state)
        self.event = int(result.event)
        self.seconds_since_seen = result.seconds_since_seen
        if result.event == TrackEvent.TIMED_OUT:
            self.last_error = result.reason

    def fail(self, error: str) -> None:
        """Tracking raised: LOST with the reason."""
        self.last_error = error
        self.state, self.score = TrackStatus.LOST, 0.0

    def status(self, header: Header, seconds_since_image: float, clock_resets: int, processing_ms: float = 0.0,
               latency_ms: float = 0.0) -> TrackStatus:
        """The TrackStatus now, with ``header``; its event is reported once, and a timed-out target's id goes after."""
        counters = self.counters
        status = TrackStatus(
            header=header, state=self.state, event=self.event, track_id=self.track_id, score=float(self.score),
            seconds_since_seen=float(self.seconds_since_seen), seconds_since_image=seconds_since_image,
            frames_received=counters.received, frames_processed=counters.processed,
            frames_dropped=counters.dropped, frames_rejected=counters.rejected, frames_replayed=counters.replayed,
            debug_images=counters.debug_images,
            processing_ms=float(processing_ms), latency_ms=float(latency_ms), last_error=self.last_error,
            clock_resets=clock_resets,
        )
        if self.event == TrackStatus.EVENT_TIMED_OUT:
            self.track_id = ""  # IDLE from the next status on; this one still names the dropped target
        self.event = TrackStatus.EVENT_NONE
        return status
