"""Demo driver for scripts/demo.sh: sets the target on the first frame, records the debug stream, prints a summary.

It gates video_source (sync_topic = --ack-topic): each frame's detections are passed on as the go-ahead for the
next frame, the first only once the target is set on it through ~/set_target.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import rclpy
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.time import Time
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection2DArray

from smat_ros.msg import TrackStatus
from smat_ros.ros.conversions import bbox_to_box, box_to_bbox, image_to_rgb
from smat_ros.srv import SetTarget
from smat_ros.video import parse_box

STATES = {TrackStatus.IDLE: "IDLE", TrackStatus.TRACKING: "TRACKING", TrackStatus.LOST: "LOST"}


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--init-box", required=True, help="x,y,w,h of the target on the first frame")
    parser.add_argument("--frames", type=int, required=True, help="number of frames video_source plays")
    parser.add_argument("--video", type=Path, required=True, help="mp4 to write the debug stream to")
    parser.add_argument("--fps", type=float, default=10.0, help="frame rate of the mp4 (default 10)")
    parser.add_argument("--tracker", default="/smat_tracker", help="the tracker node's name")
    parser.add_argument("--ack-topic", default="/demo/frame_done", help="topic video_source waits for")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    return parser.parse_args()


class DemoClient(Node):
    """Sets the target, forwards acknowledgements, records debug images, detections and statuses."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__("smat_demo_client")
        self.args = args
        self.init_box = parse_box(args.init_box)
        qos = QoSProfile(depth=10)
        self.ack_pub = self.create_publisher(Detection2DArray, args.ack_topic, qos)
        self.client = self.create_client(SetTarget, f"{args.tracker}/set_target")
        self.create_subscription(Detection2DArray, f"{args.tracker}/detections", self._on_detections, qos)
        self.create_subscription(TrackStatus, f"{args.tracker}/status", self._on_status, qos)
        self.create_subscription(Image, f"{args.tracker}/debug_image", self._on_debug, QoSProfile(depth=10))
        self.detections: dict[int, Detection2DArray] = {}
        self.statuses: dict[int, TrackStatus] = {}
        self.debug: dict[int, Image] = {}
        self.first_stamp: int | None = None
        self.target_future = None

    def _on_detections(self, msg: Detection2DArray) -> None:
        """Record; set the target on the first frame, else let video_source go on."""
        stamp = Time.from_msg(msg.header.stamp).nanoseconds
        self.detections[stamp] = msg
        if self.first_stamp is None:
            self.first_stamp = stamp
            request = SetTarget.Request(bbox=box_to_bbox(self.init_box))
            request.header = msg.header
            self.target_future = self.client.call_async(request)
            self.target_future.add_done_callback(lambda _: self.ack_pub.publish(msg))
        else:
            self.ack_pub.publish(msg)

    def _on_status(self, msg: TrackStatus) -> None:
        """Record the status of each frame."""
        self.statuses[Time.from_msg(msg.header.stamp).nanoseconds] = msg

    def _on_debug(self, msg: Image) -> None:
        """Record a debug image."""
        self.debug[Time.from_msg(msg.header.stamp).nanoseconds] = msg


def main() -> int:
    """Drive the demo and print the per-frame summary."""
    args = parse_args()
    rclpy.init()
    client = DemoClient(args)
    deadline = time.monotonic() + args.timeout
    done = lambda: len(client.detections) >= args.frames and len(client.debug) >= args.frames  # noqa: E731
    try:
        while not done() and time.monotonic() < deadline:
            rclpy.spin_once(client, timeout_sec=0.1)
        if client.target_future is None or not client.target_future.done():
            print("error: no frame arrived from video_source (is it running?)", file=sys.stderr)
            return 1
        response = client.target_future.result()
        print(f"set_target: success={response.success} {response.message}")
        if not response.success:
            return 1
    finally:
        client.destroy_node()
        rclpy.try_shutdown()
    return report(client, args)


def report(client: DemoClient, args: argparse.Namespace) -> int:
    """Write the mp4 and print one line per frame plus the achieved rate."""
    stamps = sorted(client.detections)
    args.video.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    print(f"{'frame':>5} {'state':<9} {'score':>6} {'step ms':>8}  box (x, y, w, h)")
    for index, stamp in enumerate(stamps):
        status = client.statuses.get(stamp)
        boxes = [bbox_to_box(d.bbox) for d in client.detections[stamp].detections]
        box = ", ".join(f"{v:7.1f}" for v in boxes[0]) if boxes else "-"
        state = STATES.get(status.state, "?") if status else "?"
        print(f"{index:>5} {state:<9} {status.score if status else 0:6.3f} "
              f"{status.processing_ms if status else 0:8.1f}  {box}")
        if stamp in client.debug:
            frame = cv2.cvtColor(image_to_rgb(client.debug[stamp]), cv2.COLOR_RGB2BGR)
            if writer is None:
                writer = cv2.VideoWriter(str(args.video), cv2.VideoWriter_fourcc(*"mp4v"), args.fps,
                                         (frame.shape[1], frame.shape[0]))
            writer.write(frame)
    if writer is not None:
        writer.release()
    last = client.statuses[stamps[-1]] if stamps and stamps[-1] in client.statuses else None
    tracked = [client.statuses[s].processing_ms for s in stamps[1:] if s in client.statuses]
    if last is not None and tracked:
        step = sum(tracked) / len(tracked)
        print(f"frames: {len(stamps)} processed, {last.frames_dropped} dropped, {last.frames_rejected} rejected; "
              f"debug images: {len(client.debug)}")
        print(f"tracker step {step:.1f} ms on average = {1000 / step:.1f} fps achievable; "
              f"end-to-end replay (one frame per processed frame): {replay_fps(client):.1f} fps")
    print(f"debug video: {args.video}")
    return 0 if len(stamps) == args.frames else 1


def replay_fps(client: DemoClient) -> float:
    """Frames per second from the first to the last received detections (ROS stamps of video_source)."""
    stamps = sorted(client.detections)
    return (len(stamps) - 1) / max((stamps[-1] - stamps[0]) / 1e9, 1e-9)


if __name__ == "__main__":
    sys.exit(main())
