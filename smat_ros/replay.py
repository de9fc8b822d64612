"""Offline replay: the tracker over the images of a rosbag2 recording, frame by frame in header stamp order, no ROS.

The target box is drawn on the newest frame stamped at or before ``start_stamp_ns`` (the node's rule for a target's
stamp; the first frame when unset); earlier frames are not tracked. Outputs: one ``x,y,w,h`` line per tracked frame
(the first is the target box, as smat-track writes), a rendered video, and a new bag holding every topic of the
original plus, for every image, ``vision_msgs/Detection2DArray`` and ``smat_ros/TrackStatus`` messages with the
image's header (the topics the node publishes). Track states come from the tracker's follow-me state machine with
its default thresholds (:class:`smat_ros.follow.states.StateConfig`, the node's defaults), over the header stamps;
the re-acquisition search stays off, as in smat-track's default, so the boxes are the network's on every frame.
"""
from __future__ import annotations

import bisect
import dataclasses
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from smat_ros.bag import BagCopy, BagImage, ImageStream, open_bag, storage_of, typestore
from smat_ros.crop import Box
from smat_ros.errors import InputError
from smat_ros.follow.overlay import STATE_COLORS
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.images import COMPRESSED_FORMATS, ENCODINGS, compressed_to_rgb, image_to_rgb
from smat_ros.tracker import Tracker
from smat_ros.video import VideoWriter, draw_track, format_box

log = logging.getLogger("smat_ros.replay")

DETECTIONS_TOPIC = "/smat_tracker/detections"
STATUS_TOPIC = "/smat_tracker/status"
DEFAULT_FPS = 30.0  # rendered video rate when the stamps do not tell one


@dataclasses.dataclass(frozen=True)
class ReplayOptions:
    """What to replay and where the results go."""

    bag: Path
    image_topic: str
    init_box: Box
    start_stamp_ns: int | None = None
    boxes_out: Path | None = None
    video_out: Path | None = None
    output_bag: Path | None = None


@dataclasses.dataclass(frozen=True)
class FrameResult:
    """The tracker's answer on one image: box and score (None before the start and on rejected images)."""

    stamp_ns: int
    box: Box | None
    score: float | None
    state: TrackState
    event: TrackEvent
    seconds_since_seen: float
    processing_ms: float


@dataclasses.dataclass
class ReplaySummary:
    """Counts and speed of one replay."""

    frames: int = 0  # images in the topic
    tracked: int = 0  # frames tracked after the start frame
    skipped: int = 0  # frames before the start stamp
    rejected: int = 0  # images that could not be decoded
    track_seconds: float = 0.0  # time spent in the tracker's track steps
    boxes: list[Box] = dataclasses.field(default_factory=list)
    states: list[TrackState] = dataclasses.field(default_factory=list)  # one per tracked frame, like the boxes

    @property
    def fps(self) -> float:
        """Tracked frames per second of tracker time."""
        return self.tracked / self.track_seconds if self.track_seconds > 0 else float("nan")


def decode(image: BagImage) -> np.ndarray:
    """The RGB frame of a bag image; InputError when it cannot be decoded."""
    if image.msgtype.endswith("CompressedImage"):
        return compressed_to_rgb(image.msg)
    return image_to_rgb(image.msg)


def check_encoding(image: BagImage) -> None:
    """InputError naming the supported ones when the image's encoding (or compressed format) is unknown."""
    if image.msgtype.endswith("CompressedImage"):
        if not any(name in image.msg.format.lower() for name in COMPRESSED_FORMATS):
            raise InputError(f"unknown compressed image format {image.msg.format!r} on the image topic: "
                             "use jpeg or png")
    elif image.msg.encoding not in ENCODINGS:
        raise InputError(f"unknown image encoding {image.msg.encoding!r} on the image topic: use one of "
                         + ", ".join(ENCODINGS))


def start_frame_stamp(stamps_ns: Sequence[int], options: ReplayOptions) -> int:
    """The stamp of the newest frame at or before the start stamp; InputError when every frame is newer."""
    index = bisect.bisect_right(stamps_ns, options.start_stamp_ns) - 1
    if index < 0:
        raise InputError(f"the start stamp {options.start_stamp_ns} ns is older than the first image on "
                         f"{options.image_topic!r} ({stamps_ns[0]} ns)")
    return stamps_ns[index]


def track_frames(images: Iterator[BagImage], tracker: Tracker, options: ReplayOptions,
                 summary: ReplaySummary) -> Iterator[tuple[BagImage, np.ndarray | None, FrameResult]]:
    """Initialize on the start frame and track every later frame; (image, frame, result) for every image."""
    started = False
    for image in images:
        summary.frames += 1
        check_encoding(image)
        stamp_s = image.stamp_ns * 1e-9
        if not started and options.start_stamp_ns is not None and image.stamp_ns < options.start_stamp_ns:
            summary.skipped += 1
            yield image, None, FrameResult(image.stamp_ns, None, None, TrackState.IDLE, TrackEvent.NONE, 0.0, 0.0)
            continue
        try:
            frame = decode(image)
        except InputError as exc:
            summary.rejected += 1
            log.warning("image stamped %d ns skipped: %s", image.stamp_ns, exc)
            yield image, None, FrameResult(image.stamp_ns, None, None, tracker.state, TrackEvent.NONE, 0.0, 0.0)
            continue
        if not started:
            tracker.initialize(frame, options.init_box, stamp=stamp_s)
            started = True
            box = tuple(float(v) for v in options.init_box)
            result = FrameResult(image.stamp_ns, box, 1.0, TrackState.TRACKING, TrackEvent.STARTED, 0.0, 0.0)
        else:
            start = time.perf_counter()
            tracked = tracker.track(frame, stamp=stamp_s)
            elapsed = time.perf_counter() - start
            summary.tracked += 1
            summary.track_seconds += elapsed
            result = FrameResult(image.stamp_ns, tracked.box, tracked.score, tracked.state, tracked.event,
                                 tracked.seconds_since_seen, elapsed * 1e3)
        summary.boxes.append(result.box)
        summary.states.append(result.state)
        yield image, frame, result


def median_fps(stamps_ns: Sequence[int]) -> float:
    """The frame rate the stamps show (median spacing), DEFAULT_FPS when they do not show one."""
    gaps = np.diff(np.asarray(stamps_ns, dtype=np.int64))
    gaps = gaps[gaps > 0]
    return float(1e9 / np.median(gaps)) if len(gaps) else DEFAULT_FPS


class MessageBuilder:
    """Detection2DArray and TrackStatus messages (rosbags types) for the output bag."""

    def __init__(self, store: Any) -> None:
        self.types = store.types
        self.track_id = uuid.uuid4().hex

    def _new(self, name: str, **fields: Any) -> Any:
        """A message of type ``name`` (e.g. 'vision_msgs/msg/Point2D')."""
        return self.types[name](**fields)

    def detections(self, header: Any, result: FrameResult) -> Any:
        """The Detection2DArray of one frame: the box while TRACKING, else none."""
        if result.box is None or result.state != TrackState.TRACKING:
            return self._new("vision_msgs/msg/Detection2DArray", header=header, detections=[])
        x, y, w, h = result.box
        point = self._new("geometry_msgs/msg/Point", x=0.0, y=0.0, z=0.0)
        orientation = self._new("geometry_msgs/msg/Quaternion", x=0.0, y=0.0, z=0.0, w=1.0)
        pose = self._new("geometry_msgs/msg/PoseWithCovariance",
                         pose=self._new("geometry_msgs/msg/Pose", position=point, orientation=orientation),
                         covariance=np.zeros(36, dtype=np.float64))
        hypothesis = self._new("vision_msgs/msg/ObjectHypothesisWithPose", pose=pose, hypothesis=self._new(
            "vision_msgs/msg/ObjectHypothesis", class_id="target", score=float(result.score)))
        center = self._new("vision_msgs/msg/Pose2D", theta=0.0,
                           position=self._new("vision_msgs/msg/Point2D", x=float(x + 0.5 * w), y=float(y + 0.5 * h)))
        bbox = self._new("vision_msgs/msg/BoundingBox2D", center=center, size_x=float(w), size_y=float(h))
        detection = self._new("vision_msgs/msg/Detection2D", header=header, results=[hypothesis], bbox=bbox,
                              id=self.track_id)
        return self._new("vision_msgs/msg/Detection2DArray", header=header, detections=[detection])

    def status(self, header: Any, result: FrameResult, summary: ReplaySummary) -> Any:
        """The TrackStatus of one frame (counters as of this frame)."""
        return self._new(
            "smat_ros/msg/TrackStatus", header=header, state=int(result.state), event=int(result.event),
            track_id=self.track_id if result.state != TrackState.IDLE else "", score=float(result.score or 0.0),
            seconds_since_seen=float(result.seconds_since_seen), seconds_since_image=0.0,
            frames_received=summary.frames, frames_processed=len(summary.boxes), frames_dropped=0,
            frames_rejected=summary.rejected, frames_replayed=0, debug_images=0, clock_resets=0,
            processing_ms=float(result.processing_ms), latency_ms=float(result.processing_ms), last_error="")


def replay(options: ReplayOptions, tracker: Tracker, progress: bool = True) -> ReplaySummary:
    """Track through the bag's image topic and write the requested outputs; the summary."""
    store = typestore()
    reader = open_bag(options.bag)
    try:
        stream = ImageStream(reader, options.image_topic, store)
        if options.start_stamp_ns is not None:
            options = dataclasses.replace(options, start_stamp_ns=start_frame_stamp(stream.stamps_ns, options))
        copy = None
        if options.output_bag is not None:
            copy = BagCopy(reader, options.output_bag, storage_of(options.bag), store)
        writer = None
        summary = ReplaySummary()
        try:
            if copy is not None:
                for conn, log_time, raw in reader.messages():
                    copy.copy(conn, log_time, raw)
            builder = MessageBuilder(store)
            frames = track_frames(iter(stream), tracker, options, summary)
            for image, frame, result in tqdm(frames, total=len(stream), unit="frame", desc="replay",
                                             disable=not progress):
                if copy is not None:
                    copy.add(DETECTIONS_TOPIC, builder.detections(image.msg.header, result), image.log_time_ns)
                    copy.add(STATUS_TOPIC, builder.status(image.msg.header, result, summary), image.log_time_ns)
                if options.video_out is not None and frame is not None:
                    if writer is None:
                        writer = VideoWriter(options.video_out, median_fps(stream.stamps_ns),
                                             (frame.shape[1], frame.shape[0]))
                    shown = result.box if result.state == TrackState.TRACKING else None
                    writer.write(draw_track(frame, shown, result.score, label=result.state.name,
                                            color=STATE_COLORS[result.state]))
        finally:
            if writer is not None:
                writer.close()
            if copy is not None:
                copy.close()
    finally:
        reader.close()
    if options.boxes_out is not None:
        options.boxes_out.parent.mkdir(parents=True, exist_ok=True)
        options.boxes_out.write_text("".join(format_box(box) + "\n" for box in summary.boxes))
    return summary
