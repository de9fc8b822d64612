#!/usr/bin/env python3
"""Start-up to the first detection, cold (empty graph cache) and warm (second start), library and node.

* library: a fresh Python process runs ``Tracker.from_checkpoint(weights, device="cpu")`` (backend auto),
  ``initialize`` on frame 1 and ``track`` on frame 2; measured from the process spawn to the first box.
* node: ``python -m smat_ros.ros.node`` is spawned; a driver in this process publishes frames every 100 ms, asks
  ``~/set_target`` (newest frame) as soon as the service is there (again while the node has no frame yet), and
  stops the clock at the first detection of a frame published after the request (a box the tracker computed, not
  the target box echoed back). DDS discovery between the two processes is included, as for a real camera.

"Cold" runs with an empty ``SMAT_CACHE_DIR`` (ONNX export on start-up); "warm" runs again with the same folder.
Runs alternate (cold, warm, cold, warm, ...) so that machine load hits both alike; medians are printed.

    .venv/bin/python scripts/bench_startup.py --rounds 3 --domain-id 180
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from node_process import package_source_warning

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "config" / "fastdds_localhost.xml"
SEQUENCE = ROOT / "test" / "fixtures" / "vtest_person"
DEMO_WEIGHTS = ROOT / "weights" / "smat_demo.safetensors"
TIMEOUT_S = 300.0


def library_child(weights: str, backend: str, precision: str) -> None:
    """In a fresh process: build the tracker, track one frame, print the wall time of the first box as JSON."""
    from smat_ros import Tracker
    from smat_ros.backends import BackendOptions
    from smat_ros.video import parse_box, read_image

    images = sorted((SEQUENCE / "img").glob("*.jpg"))[:2]
    frames = [read_image(path) for path in images]
    tracker = Tracker.from_checkpoint(weights, device="cpu", backend=backend, options=BackendOptions(precision))
    tracker.initialize(frames[0], parse_box((SEQUENCE / "init.txt").read_text()))
    tracker.track(frames[1])
    print(json.dumps({"first_box": time.time(), "backend": tracker.backend.describe()}))


def library_start(weights: Path, cache: Path, backend: str, precision: str) -> tuple[float, str]:
    """Seconds from spawning a library process to its first box, and the backend it used."""
    env = {**os.environ, "SMAT_CACHE_DIR": str(cache)}
    command = [sys.executable, str(Path(__file__).resolve()), "--library-child", "--weights", str(weights),
               "--backend", backend, "--precision", precision]
    start = time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    if result.returncode != 0:
        raise SystemExit(f"bench_startup: error: the library process failed:\n{result.stderr[-2000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["first_box"] - start, report["backend"]


class NodeDriver:
    """A driver node that feeds the tracker node frames and sets its target (created once per run)."""

    def __init__(self) -> None:
        import rclpy
        from rclpy.node import Node
        from rclpy.qos import QoSProfile
        from sensor_msgs.msg import Image
        from vision_msgs.msg import Detection2DArray

        from smat_ros.srv import SetTarget
        from smat_ros.video import parse_box, read_image

        rclpy.init()
        self.rclpy = rclpy
        self.node = Node("bench_startup_driver")
        qos = QoSProfile(depth=10)
        self.publisher = self.node.create_publisher(Image, "image", qos)
        self.detections: list[tuple[float, int, int]] = []  # (arrival wall time, stamp ns, detections)
        self.node.create_subscription(Detection2DArray, "/smat_tracker/detections", self._on_detections, qos)
        self.client = self.node.create_client(SetTarget, "/smat_tracker/set_target")
        self.frames = [read_image(path) for path in sorted((SEQUENCE / "img").glob("*.jpg"))[:20]]
        self.init_box = parse_box((SEQUENCE / "init.txt").read_text())
        self.stamps = itertools.count(2_000_000_000_000, 100_000_000)

    def _on_detections(self, message: object) -> None:
        """Record each detections message."""
        from rclpy.time import Time

        stamp = Time.from_msg(message.header.stamp).nanoseconds  # type: ignore[attr-defined]
        self.detections.append((time.time(), stamp, len(message.detections)))  # type: ignore[attr-defined]

    def publish(self, index: int) -> int:
        """Publish frame ``index`` (cycling) with the next stamp; returns the stamp."""
        from rclpy.time import Time
        from std_msgs.msg import Header

        from smat_ros.ros.conversions import rgb_to_image

        stamp = next(self.stamps)
        header = Header(stamp=Time(nanoseconds=stamp).to_msg(), frame_id="camera")
        self.publisher.publish(rgb_to_image(self.frames[index % len(self.frames)], header, "rgb8"))
        return stamp

    def time_to_first_detection(self, process: subprocess.Popen, start: float) -> float:
        """Feed frames, set the target on the newest frame as soon as the node takes it, and return the seconds
        from ``start`` to the first detection of a frame published after that request."""
        from smat_ros.ros.conversions import box_to_bbox
        from smat_ros.srv import SetTarget

        self.detections.clear()
        deadline, next_frame, index = time.monotonic() + TIMEOUT_S, 0.0, 0
        future, asked_after, last_stamp = None, None, 0
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench_startup: error: the tracker node stopped or never tracked")
            if time.monotonic() >= next_frame:
                last_stamp = self.publish(index)
                index, next_frame = index + 1, time.monotonic() + 0.1
            if future is None and self.client.service_is_ready():
                request = SetTarget.Request(bbox=box_to_bbox(self.init_box))  # zero stamp: the newest frame
                future, asked_after = self.client.call_async(request), last_stamp
            elif future is not None and future.done():
                if not future.result().success:  # no frame buffered yet: ask again
                    future = None
                else:
                    tracked = [t for t, stamp, n in self.detections if stamp > asked_after and n]
                    if tracked:
                        return tracked[0] - start
            self.rclpy.spin_once(self.node, timeout_sec=0.01)

    def close(self) -> None:
        """Shut the driver down."""
        self.rclpy.try_shutdown()


def node_start(driver: NodeDriver, weights: Path, cache: Path, backend: str, precision: str) -> float:
    """Seconds from spawning the tracker node to its first tracked detection."""
    env = {**os.environ, "SMAT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "smat_ros.ros.node", "--ros-args", "-p", f"checkpoint:={weights}",
               "-p", f"backend:={backend}", "-p", f"precision:={precision}", "-p", "lost_score_threshold:=0.0",
               "-p", "image_qos:=reliable"]
    with tempfile.NamedTemporaryFile("w", prefix="bench_startup_node_", suffix=".log", delete=False) as log:
        start = time.time()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            return driver.time_to_first_detection(process, start)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def build_parser() -> argparse.ArgumentParser:
    """Arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=DEMO_WEIGHTS, help="weights file (default: demo weights)")
    parser.add_argument("--rounds", type=int, default=3, help="cold + warm pairs per target (default 3)")
    parser.add_argument("--backend", default="auto", help="backend (default: auto)")
    parser.add_argument("--precision", default="fp32", help="precision (default: fp32)")
    parser.add_argument("--targets", nargs="+", default=["library", "node"], choices=["library", "node"])
    parser.add_argument("--domain-id", type=int, default=180, help="ROS_DOMAIN_ID for the node runs (default 180)")
    parser.add_argument("--library-child", action="store_true", help=argparse.SUPPRESS)
    return parser


def main() -> int:
    """Measure and print cold/warm start-up medians."""
    args = build_parser().parse_args()
    if not args.weights.is_file():
        print(f"bench_startup: error: weights not found: {args.weights}", file=sys.stderr)
        return 1
    if args.library_child:
        library_child(str(args.weights), args.backend, args.precision)
        return 0
    warning = package_source_warning()
    if warning is not None:
        print(f"bench_startup: {warning}", file=sys.stderr)
    os.environ["ROS_DOMAIN_ID"] = str(args.domain_id)
    os.environ.setdefault("FASTRTPS_DEFAULT_PROFILES_FILE", str(PROFILE))
    driver = NodeDriver() if "node" in args.targets else None
    results: dict[tuple[str, str], list[float]] = {}
    described = ""
    try:
        for round_index in range(args.rounds):
            for target in args.targets:
                with tempfile.TemporaryDirectory(prefix="smat-cache-") as cache:  # empty: the first start is cold
                    for kind in ("cold", "warm"):
                        if target == "library":
                            seconds, described = library_start(args.weights, Path(cache), args.backend, args.precision)
                        else:
                            seconds = node_start(driver, args.weights, Path(cache), args.backend, args.precision)
                        results.setdefault((target, kind), []).append(seconds)
                        print(f"round {round_index + 1}: {target} {kind} {seconds:.2f} s", flush=True)
    finally:
        if driver is not None:
            driver.close()
    print(f"\nstart-up to the first detection ({args.backend} {args.precision}: {described or 'see the node log'}), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs, {args.rounds} rounds, medians:")
    for (target, kind), values in sorted(results.items()):
        print(f"| {target} | {kind} | {statistics.median(values):.2f} s | {', '.join(f'{v:.2f}' for v in values)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
