"""Soak test of the smat_tracker node over DDS: frames with a target streamed for N minutes (or N frames).

Starts the node as its own process (loopback, own ROS_DOMAIN_ID, config/fastdds_localhost.xml), plays the bundled
vtest_person frames in a loop at --rate-hz with fresh stamps (best effort, like a camera), sets the target on the
first frame of every loop, and prints every --report-s seconds and at the end: the node's RSS (start after warm-up,
now, peak), frames published / received / processed / dropped / rejected / lost in transport, the node's latency
(image received -> detections published, from TrackStatus) and the round trip seen here, p50 and p99. The node is
stopped with SIGINT at the end; its exit code and stop time are printed. A slow machine only means more drops.
Not a test: it takes minutes. Run: .venv/bin/python scripts/soak.py --minutes 15 --rate-hz 15
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from node_process import (
    SEQUENCE,
    STOP_TIMEOUT_S,
    init_box,
    node_argument_parser,
    parse_node_args,
    percentile,
    start_node,
    stop_node,
    wait_for_node,
)

WARMUP_FRAMES = 30
START_TIMEOUT_S = 300.0  # longest wait for the node to come up


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = node_argument_parser(__doc__, default_domain_id=150 + os.getpid() % 10)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to stream (default 10)")
    parser.add_argument("--frames", type=int, default=0, help="stop after this many frames instead (0: --minutes)")
    parser.add_argument("--rate-hz", type=float, default=15.0, help="frames per second sent (default 15)")
    parser.add_argument("--report-s", type=float, default=60.0, help="seconds between progress lines (default 60)")
    args = parse_node_args(parser)
    if args.rate_hz <= 0 or args.minutes <= 0 or args.frames < 0:
        parser.error("need --rate-hz > 0, --minutes > 0 and --frames >= 0")
    return args


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (nan once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> int:
    """Start the node and soak it (the node is stopped whatever happens); 0 when it survived and stopped cleanly."""
    args = parse_args()
    from std_msgs.msg import Header

    from smat_ros.ros import signals
    from smat_ros.ros.conversions import rgb_to_image
    from smat_ros.video import list_images, read_image

    signals.handle_signals()  # SIGINT/SIGTERM end the soak early, with its figures (also as a background job)

    # converted once; only the stamps change (this process must keep the rate on a busy machine)
    messages = [rgb_to_image(read_image(path), Header(frame_id="camera"), "bgr8")
                for path in list_images(SEQUENCE / "img")]
    log_path = Path(tempfile.mkdtemp(prefix="smat_soak_")) / "node.log"
    process = start_node(args, open(log_path, "w"))
    print(f"[soak] node pid {process.pid}, log {log_path}, domain {args.domain_id}", flush=True)
    try:
        return soak(args, process, log_path, messages, init_box())
    finally:
        stop_node(process)


def soak(args: argparse.Namespace, process: subprocess.Popen, log_path: Path, messages: list, box: tuple) -> int:
    """Stream, report and stop the node; 0 when it survived and stopped cleanly."""
    import rclpy
    from rclpy.qos import QoSProfile, qos_profile_sensor_data
    from rclpy.time import Time
    from sensor_msgs.msg import Image
    from vision_msgs.msg import Detection2DArray

    from smat_ros.msg import TrackStatus
    from smat_ros.ros import signals
    from smat_ros.ros.conversions import box_to_bbox
    from smat_ros.srv import SetTarget

    rclpy.init()
    driver = rclpy.create_node("soak_driver")
    image_pub = driver.create_publisher(Image, "image", qos_profile_sensor_data)
    sent: dict[int, float] = {}  # stamp -> time published (monotonic)
    round_trips: list[float] = []
    latencies: list[float] = []
    last: list[TrackStatus] = []

    def on_detections(msg: Detection2DArray) -> None:
        stamp = Time.from_msg(msg.header.stamp).nanoseconds
        if stamp in sent:
            round_trips.append((time.monotonic() - sent.pop(stamp)) * 1e3)

    def on_status(msg: TrackStatus) -> None:
        if msg.latency_ms > 0:
            latencies.append(msg.latency_ms)
        last[:] = [msg]

    driver.create_subscription(Detection2DArray, "/smat_tracker/detections", on_detections, QoSProfile(depth=50))
    driver.create_subscription(TrackStatus, "/smat_tracker/status", on_status, QoSProfile(depth=50))
    client = driver.create_client(SetTarget, "/smat_tracker/set_target")

    def spin_for(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            rclpy.spin_once(driver, timeout_sec=max(0.0, min(0.01, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                return

    started = time.monotonic()
    if not wait_for_node(driver, process, image_pub, client, START_TIMEOUT_S):
        print(f"[soak] the node did not come up; its log:\n{log_path.read_text()}", file=sys.stderr)
        return 1

    period = 1.0 / args.rate_hz
    end_time = time.monotonic() + args.minutes * 60
    published = targets = failed_targets = 0
    rss_start, peak = float("nan"), 0.0
    next_report = time.monotonic() + args.report_s
    next_time = time.monotonic()
    pending_target = target_frame = None
    skipped_targets = 0  # loops whose first frame never came back from the node (lost in transport): no target
    while ((published < args.frames) if args.frames else (time.monotonic() < end_time)) and rclpy.ok():
        if signals.stop_requested():
            print("[soak] stopped by a signal: the figures so far")
            break
        index = published % len(messages)
        stamp = driver.get_clock().now()
        message = messages[index]
        message.header.stamp = stamp.to_msg()
        header = message.header
        image_pub.publish(message)
        sent[stamp.nanoseconds] = time.monotonic()
        published += 1
        if index == 0:  # the person's box on the first frame of every loop, once the node has that frame
            skipped_targets += target_frame is not None
            target_frame = SetTarget.Request(header=header, bbox=box_to_bbox(box))
        if target_frame is not None and Time.from_msg(target_frame.header.stamp).nanoseconds not in sent:
            pending_target, target_frame = client.call_async(target_frame), None  # its detections came back
            targets += 1
        if pending_target is not None and pending_target.done():
            answer = pending_target.result()
            failed_targets += not answer.success
            if not answer.success:
                print(f"[soak] target refused: {answer.message}", flush=True)
            pending_target = None
        if published == WARMUP_FRAMES:
            rss_start = rss_mb(process.pid)
            latencies.clear()
            round_trips.clear()
        peak = max(peak, rss_mb(process.pid)) if published >= WARMUP_FRAMES else peak
        if len(sent) > 1000:  # answers that never came: forget the oldest
            for key in sorted(sent)[:500]:
                del sent[key]
        if time.monotonic() >= next_report:
            print(f"[soak] {report(published, last, rss_start, rss_mb(process.pid), peak, latencies, round_trips)}",
                  flush=True)
            next_report += args.report_s
        if process.poll() is not None:
            print(f"[soak] the node died (exit {process.returncode}); its log:\n{log_path.read_text()}")
            return 1
        next_time += period
        spin_for(max(0.0, next_time - time.monotonic()))
        if next_time < time.monotonic() - 1.0:  # this process fell behind (busy machine): do not burst
            next_time = time.monotonic()
    spin_for(3.0)
    rss_end = rss_mb(process.pid)
    print(f"[soak] done after {(time.monotonic() - started) / 60:.1f} min, {targets} targets set "
          f"({failed_targets} refused, {skipped_targets} not sent: their frame was lost in transport)")
    print(f"[soak] {report(published, last, rss_start, rss_end, peak, latencies, round_trips)}")
    sent_at = time.monotonic()
    if not stop_node(process):
        print(f"[soak] the node did not stop within {STOP_TIMEOUT_S:.0f} s of SIGINT: killed")
    code = process.returncode
    print(f"[soak] node stopped {time.monotonic() - sent_at:.2f} s after SIGINT, exit code {code}")
    driver.destroy_node()
    rclpy.try_shutdown()
    return 0 if code == 0 else 1


def report(published: int, last: list, rss_start: float, rss_now: float, peak: float, latencies: list[float],
           round_trips: list[float]) -> str:
    """One line of figures."""
    status = last[0] if last else None
    counts = ("no status yet" if status is None else
              f"received {status.frames_received} processed {status.frames_processed} dropped "
              f"{status.frames_dropped} rejected {status.frames_rejected} lost in transport "
              f"{published - status.frames_received}")
    return (f"published {published}; {counts}; RSS start {rss_start:.1f} MiB now {rss_now:.1f} MiB peak {peak:.1f} MiB;"
            f" node latency p50 {percentile(latencies, 0.5):.1f} ms p99 {percentile(latencies, 0.99):.1f} ms;"
            f" round trip p50 {percentile(round_trips, 0.5):.1f} ms p99 {percentile(round_trips, 0.99):.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
