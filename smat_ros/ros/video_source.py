"""The video_source node: plays a video file or an image folder as ``image`` (+ ``camera_info``) for demos and replay.

Real time (``rate_hz``, default the source's frame rate) or, with ``sync_topic`` set to a Detection2DArray topic
such as ``/smat_tracker/detections``, one frame per processed frame: the next frame goes out once detections
stamped like the last one arrive (after ``sync_timeout_s`` the frame is sent again, newly stamped, up to
``SYNC_RESENDS`` times: a best-effort frame can be lost). Frames carry increasing stamps from the node's clock.
Run: ``python -m smat_ros.ros.video_source --ros-args -p source:=test/fixtures/vtest_person/img``.
"""
from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable

import numpy as np
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header
from vision_msgs.msg import Detection2DArray

from smat_ros.errors import InputError, StartupError
from smat_ros.ros.conversions import PUBLISH_ENCODINGS, rgb_to_compressed, rgb_to_image
from smat_ros.ros.parameter_handling import declare_all
from smat_ros.ros.parameters import parameter_field
from smat_ros.ros.signals import run_node, spin_until
from smat_ros.video import FrameSource

WAIT_STEP_S = 0.05  # longest spin while waiting for a subscriber, detections or the next frame time
SYNC_RESENDS = 3  # sync mode: times a frame that got no detections within sync_timeout_s is sent again


@dataclasses.dataclass(frozen=True)
class VideoSourceParameters:
    """The video_source node's parameters (all read-only after start)."""

    source: str = parameter_field("", "video file or folder of images")
    rate_hz: float = parameter_field(0.0, "frames per second (0: the source's rate)", low=0.0, high=1000.0)
    loop: bool = parameter_field(False, "start again at the end")
    frame_id: str = parameter_field("camera", "header.frame_id")
    encoding: str = parameter_field("bgr8", "encoding of the published images", choices=PUBLISH_ENCODINGS)
    publish_compressed: bool = parameter_field(False, "also publish image/compressed (jpeg)")
    sync_topic: str = parameter_field("", "Detection2DArray topic to wait for after each frame ('': real time)")
    sync_timeout_s: float = parameter_field(10.0, "longest wait for sync_topic before the frame is sent again (s)",
                                            low=0.1, high=3600.0)


DEFAULTS = VideoSourceParameters()


class VideoSource(Node):
    """Publishes the frames of a video file or image folder."""

    def __init__(self) -> None:
        super().__init__("video_source")
        self.params = declare_all(self, DEFAULTS)
        if not self.params.source:
            raise StartupError("parameter 'source' is not set: pass -p source:=/path/to/video_or_folder")
        try:
            self.frames = FrameSource(self.params.source)
        except InputError as exc:
            raise StartupError(str(exc)) from None
        self.period_s = 1.0 / (self.params.rate_hz or self.frames.fps)
        qos = QoSProfile(depth=5)
        self.image_pub = self.create_publisher(Image, "image", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera_info", qos)
        self.compressed_pub = (self.create_publisher(CompressedImage, "image/compressed", qos)
                               if self.params.publish_compressed else None)
        self._acked_ns = -1
        if self.params.sync_topic:
            self.create_subscription(Detection2DArray, self.params.sync_topic, self._on_sync, QoSProfile(depth=10))

    def _on_sync(self, msg: Detection2DArray) -> None:
        """Remember the stamp of the newest detections."""
        self._acked_ns = max(self._acked_ns, Time.from_msg(msg.header.stamp).nanoseconds)

    def _wait(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Spin until ``done()`` or the timeout; whether it was done."""
        return spin_until(self, done, timeout_s, WAIT_STEP_S)

    def play(self) -> int:
        """Publish every frame (again and again with ``loop``); the number published."""
        self.get_logger().info(f"waiting for a subscriber on {self.image_pub.topic_name}")
        self._wait(lambda: self.image_pub.get_subscription_count() > 0
                   or (self.compressed_pub is not None and self.compressed_pub.get_subscription_count() > 0), 3600.0)
        if self.params.sync_topic:
            self._wait(lambda: self.count_publishers(self.params.sync_topic) > 0, 3600.0)
        self.get_logger().info(f"playing {self.params.source} ({len(self.frames)} frames)")
        published = 0
        next_time = time.monotonic()
        while True:
            for frame in self.frames:
                stamp = self.get_clock().now()
                self._publish(frame, Header(stamp=stamp.to_msg(), frame_id=self.params.frame_id))
                published += 1
                if self.params.sync_topic:
                    for _ in range(SYNC_RESENDS):  # a best-effort frame can be lost: send it again, newly stamped
                        if self._wait(lambda ns=stamp.nanoseconds: self._acked_ns >= ns, self.params.sync_timeout_s):
                            break
                        self.get_logger().warning(
                            f"no detections for frame {published} within {self.params.sync_timeout_s} s: sent again")
                        stamp = self.get_clock().now()
                        self._publish(frame, Header(stamp=stamp.to_msg(), frame_id=self.params.frame_id))
                else:
                    next_time += self.period_s
                    self._wait(lambda until=next_time: time.monotonic() >= until,
                               max(0.0, next_time - time.monotonic()))
            if not self.params.loop:
                return published

    def _publish(self, frame: np.ndarray, header: Header) -> None:
        """Publish one RGB frame as image, camera_info and (optionally) image/compressed."""
        height, width = frame.shape[:2]
        self.image_pub.publish(rgb_to_image(frame, header, self.params.encoding))
        self.info_pub.publish(CameraInfo(header=header, height=height, width=width))
        if self.compressed_pub is not None:
            self.compressed_pub.publish(rgb_to_compressed(frame, header))


def main(args: list[str] | None = None) -> int:
    """Play the source once (or forever with loop); 1 when it cannot start."""
    return run_node("video_source", VideoSource, play, args)


def play(node: VideoSource) -> None:
    """Play the node's source and log how many frames went out."""
    count = node.play()
    node.get_logger().info(f"published {count} frames")


if __name__ == "__main__":
    sys.exit(main())
