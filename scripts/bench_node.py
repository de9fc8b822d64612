"""Benchmark of the smat_tracker node over DDS: its overhead per frame and its drops under overload.

Starts the node as its own process (loopback, own ROS_DOMAIN_ID, the large-data Fast DDS profile), then
1. lockstep at WxH: publish a frame, wait for its detections; node overhead = the node's own
   image-received -> detections-published time minus the tracker step (both from TrackStatus), and the
   round trip seen by this process minus the tracker step (adds DDS transport both ways);
2. overload: publish frames twice as fast as the measured tracker step and count what the node drops.
Run: .venv/bin/python scripts/bench_node.py --frames 40
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from node_process import (
    SEQUENCE,
    init_box,
    node_argument_parser,
    parse_node_args,
    percentile,
    spin_until,
    start_node,
    stop_node,
    wait_for_node,
)

ANSWER_TIMEOUT_S = 120.0  # longest wait for the node to come up or answer a frame


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = node_argument_parser(__doc__, default_domain_id=90 + os.getpid() % 10)
    parser.add_argument("--frames", type=int, default=40, help="frames in each phase (default 40)")
    parser.add_argument("--width", type=int, default=640, help="image width (default 640)")
    parser.add_argument("--height", type=int, default=480, help="image height (default 480)")
    args = parse_node_args(parser)
    if args.frames < 5 or args.width < 64 or args.height < 64:
        parser.error("need --frames >= 5 and an image of at least 64x64")
    return args


def describe(name: str, values: list[float]) -> str:
    """One line: median, p90 and mean of ``values`` in ms."""
    return (f"{name:<48} median {statistics.median(values):7.2f} ms   p90 {percentile(values, 0.9):7.2f} ms   "
            f"mean {statistics.fmean(values):7.2f} ms")


def main() -> int:
    """Run both phases and print the figures."""
    args = parse_args()
    import cv2
    import rclpy
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from rclpy.time import Time
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header
    from tqdm import tqdm
    from vision_msgs.msg import Detection2DArray

    from smat_ros.msg import TrackStatus
    from smat_ros.ros.conversions import box_to_bbox, rgb_to_image
    from smat_ros.srv import SetTarget
    from smat_ros.video import FrameSource

    source = list(FrameSource(SEQUENCE / "img"))
    sx, sy = args.width / source[0].shape[1], args.height / source[0].shape[0]
    frames = [cv2.resize(frame, (args.width, args.height), interpolation=cv2.INTER_AREA) for frame in source]
    x, y, w, h = init_box()
    box = (x * sx, y * sy, w * sx, h * sy)

    log = tempfile.NamedTemporaryFile("w", prefix="bench_node_", suffix=".log", delete=False)
    process = start_node(args, log, "frame_buffer_s:=0.5")
    rclpy.init()
    driver = Node("bench_driver")
    qos = QoSProfile(depth=10)
    publisher = driver.create_publisher(Image, "image", qos)
    received: dict[int, float] = {}
    statuses: dict[int, TrackStatus] = {}
    driver.create_subscription(Detection2DArray, "/smat_tracker/detections",
                               lambda m: received.setdefault(Time.from_msg(m.header.stamp).nanoseconds,
                                                             time.perf_counter()), qos)
    driver.create_subscription(TrackStatus, "/smat_tracker/status",
                               lambda m: statuses.__setitem__(Time.from_msg(m.header.stamp).nanoseconds, m), qos)
    client = driver.create_client(SetTarget, "/smat_tracker/set_target")
    stamps = itertools.count(1_000_000_000_000, 33_000_000)

    def answered(done: bool) -> None:
        """Exit with an error line unless the node answered (it died or timed out)."""
        if not done:
            print(f"error: the tracker node stopped answering (log: {log.name})", file=sys.stderr)
            sys.exit(1)

    def wait(condition: Callable[[], bool]) -> None:
        """Spin the driver until ``condition()``; exit with an error line if the node died or timed out."""
        answered(spin_until(driver, process, condition, ANSWER_TIMEOUT_S))

    def publish(index: int) -> tuple[int, float]:
        """Publish frame ``index`` (cycling) with a new stamp; the stamp and the send time."""
        stamp = next(stamps)
        header = Header(stamp=Time(nanoseconds=stamp).to_msg(), frame_id="camera")
        message = rgb_to_image(frames[index % len(frames)], header, "bgr8")
        sent = time.perf_counter()
        publisher.publish(message)
        return stamp, sent

    try:
        answered(wait_for_node(driver, process, publisher, client, ANSWER_TIMEOUT_S))
        first, _ = publish(0)
        wait(lambda: first in received)
        request = SetTarget.Request(bbox=box_to_bbox(box))
        request.header.stamp = Time(nanoseconds=first).to_msg()
        future = client.call_async(request)
        wait(future.done)
        if not future.result().success:
            print(f"error: set_target failed: {future.result().message}", file=sys.stderr)
            return 1

        node_overhead, round_trip_overhead, steps = [], [], []
        for index in tqdm(range(1, args.frames + 1), desc="lockstep", unit="frame"):
            stamp, sent = publish(index)
            wait(lambda stamp=stamp: stamp in received and stamp in statuses)
            status = statuses[stamp]
            steps.append(status.processing_ms)
            node_overhead.append(status.latency_ms - status.processing_ms)
            round_trip_overhead.append((received[stamp] - sent) * 1e3 - status.processing_ms)

        period_s = statistics.median(steps) / 2e3
        before = statuses[stamp]
        sent_stamps = []
        next_time = time.perf_counter()
        for index in tqdm(range(args.frames), desc="2x rate", unit="frame"):
            sent_stamps.append(publish(index)[0])
            next_time += period_s
            while time.perf_counter() < next_time:
                rclpy.spin_once(driver, timeout_sec=max(0.0, next_time - time.perf_counter()))
        wait(lambda: sent_stamps[-1] in statuses)
        after = statuses[sent_stamps[-1]]
    finally:
        rclpy.try_shutdown()
        stop_node(process)

    print(f"\nsmat_tracker node at {args.width}x{args.height} bgr8, {args.checkpoint.name}, "
          f"torch threads {args.threads}, {args.frames} frames per phase")
    print(describe("tracker step (TrackStatus.processing_ms)", steps))
    print(describe("node overhead: received -> published - step", node_overhead))
    print(describe("round trip seen by the publisher - step", round_trip_overhead))
    processed = after.frames_processed - before.frames_processed
    dropped = after.frames_dropped - before.frames_dropped
    lost = args.frames - processed - dropped
    print(f"at 2x the tracker's rate ({1 / period_s:.1f} Hz): sent {args.frames}, processed {processed}, "
          f"dropped (newest wins) {dropped}, not received {lost}, rejected {after.frames_rejected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
