"""Follow-me demo driver for scripts/follow_demo.sh: records one run of the closed loop, then reports two runs.

``record``: waits for the sim_camera's first frame, sets the target on it through the tracker's ~/set_target with
the true box (an operator drawing a box; nothing else of the truth reaches the loop), starts the scene
(~/start), then records per frame the image, the true box, the tracker's state and box, and the controller's
answer, until every frame of the scenario has been answered. It writes the annotated camera view (mp4) and the
per-frame records (JSON) and prints the run's summary line.

``report``: puts the recorded videos side by side (the closed loop on the left, the fixed camera on the right)
and prints both summary lines.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import rclpy
from geometry_msgs.msg import PoseStamped, TwistStamped
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile
from rclpy.time import Time
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2D, Detection2DArray

from smat_ros.config import ConfigError, load_yaml
from smat_ros.msg import TrackStatus
from smat_ros.ros.conversions import bbox_to_box, image_to_rgb
from smat_ros.sim.metrics import CENTRAL_BAND, FollowSummary, summarize
from smat_ros.sim.scene import SceneConfig
from smat_ros.srv import SetTarget
from smat_ros.video import VideoWriter

STATES = {TrackStatus.IDLE: "IDLE", TrackStatus.TRACKING: "TRACKING", TrackStatus.LOST: "LOST"}
NO_STATUS = -1  # a frame without the tracker's status (drawn as '?', not counted as LOST)
COLORS = {TrackStatus.TRACKING: (0, 230, 0), TrackStatus.LOST: (255, 80, 0), TrackStatus.IDLE: (255, 255, 0)}
TRUTH_COLOR = (80, 160, 255)
SETTLE_S = 1.0  # discovery settling time before the scene starts
GRACE_S = 30.0  # after the last frame, the longest wait for the last statuses and answers
RETRY_S = 10.0  # set_target is tried again this long while the tracker has no image yet


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    record = commands.add_parser("record", help="record one run of the loop")
    record.add_argument("--label", required=True, help="name of the run in the summary (e.g. 'closed loop')")
    record.add_argument("--scenario", default="", help="the sim_camera's scenario YAML ('' = the default)")
    record.add_argument("--video", type=Path, required=True, help="annotated camera view (mp4)")
    record.add_argument("--records", type=Path, required=True, help="per-frame records (JSON)")
    record.add_argument("--tracker", default="/smat_tracker", help="the tracker node's name")
    record.add_argument("--sim", default="/sim_camera", help="the sim_camera node's name")
    record.add_argument("--command-topic", default="/follow_controller/command", help="the controller's answers")
    record.add_argument("--start-timeout", type=float, default=180.0,
                        help="give up when no frame arrived after this many seconds")
    record.add_argument("--timeout", type=float, default=1800.0, help="give up after this many seconds")
    report = commands.add_parser("report", help="side-by-side video and summary of two recorded runs")
    report.add_argument("--left", type=Path, required=True, help="records JSON of the closed-loop run")
    report.add_argument("--right", type=Path, required=True, help="records JSON of the fixed-camera run")
    report.add_argument("--video", type=Path, required=True, help="side-by-side mp4 to write")
    report.add_argument("--min-centred", type=float, default=0.0,
                        help="exit 1 unless the left run's centred fraction is at least this")
    return parser.parse_args()


def stamp_of(msg) -> int:
    """Header stamp in ns."""
    return Time.from_msg(msg.header.stamp).nanoseconds


class Recorder(Node):
    """Starts the run and records what the loop publishes, by image stamp."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__("follow_demo_client")
        self.args = args
        qos, latched = QoSProfile(depth=50), QoSProfile(depth=100, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.images: dict[int, np.ndarray] = {}
        self.truths: dict[int, Detection2D] = {}
        self.poses: dict[int, PoseStamped] = {}
        self.statuses: dict[int, TrackStatus] = {}
        self.detections: dict[int, Detection2DArray] = {}
        self.answers: dict[int, TwistStamped] = {}
        self.create_subscription(Image, "/image", lambda m: self.images.__setitem__(stamp_of(m), image_to_rgb(m)), qos)
        self.create_subscription(Detection2D, f"{args.sim}/truth", lambda m: self.truths.__setitem__(stamp_of(m), m),
                                 latched)
        self.create_subscription(PoseStamped, f"{args.sim}/pose", lambda m: self.poses.__setitem__(stamp_of(m), m),
                                 latched)
        self.create_subscription(TrackStatus, f"{args.tracker}/status",
                                 lambda m: self.statuses.__setitem__(stamp_of(m), m), qos)
        self.create_subscription(Detection2DArray, f"{args.tracker}/detections",
                                 lambda m: self.detections.__setitem__(stamp_of(m), m), qos)
        self.create_subscription(TwistStamped, args.command_topic, lambda m: self.answers.__setitem__(stamp_of(m), m),
                                 qos)
        self.set_target = self.create_client(SetTarget, f"{args.tracker}/set_target")
        self.start = self.create_client(Trigger, f"{args.sim}/start")

    def spin_until(self, condition, deadline: float) -> bool:
        """Spin until ``condition()`` or the monotonic ``deadline``; whether it became true."""
        while not condition():
            if time.monotonic() > deadline:
                return False
            rclpy.spin_once(self, timeout_sec=0.05)
        return True

    def call(self, client, request, deadline: float):
        """Call a service and wait for the response (None on timeout)."""
        if not self.spin_until(client.service_is_ready, deadline):
            return None
        future = client.call_async(request)
        return future.result() if self.spin_until(future.done, deadline) else None


def record(args: argparse.Namespace) -> int:
    """Run the scenario once through the loop and write the video and the records."""
    try:
        scene = load_yaml(SceneConfig, args.scenario) if args.scenario else SceneConfig()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    frames = scene.frames
    rclpy.init()
    node = Recorder(args)
    deadline = time.monotonic() + args.timeout
    try:
        if not node.spin_until(lambda: node.truths and min(node.truths) in node.images,
                               min(deadline, time.monotonic() + args.start_timeout)):
            print("error: no frame from the sim_camera (is it running with autostart:=false?)", file=sys.stderr)
            return 1
        first = min(node.truths)
        truth = node.truths[first]
        request = SetTarget.Request(bbox=truth.bbox)
        request.header = truth.header
        response = node.call(node.set_target, request, deadline)
        retry_until = time.monotonic() + RETRY_S
        while response is not None and not response.success and "no image" in response.message \
                and time.monotonic() < retry_until:  # the recorder may see the first frame before the tracker
            node.spin_until(lambda: False, time.monotonic() + 0.2)
            response = node.call(node.set_target, request, deadline)
        if response is None or not response.success:
            print(f"error: set_target failed: {response.message if response else 'no answer'}", file=sys.stderr)
            return 1
        print(f"[{args.label}] set_target on the first frame: {response.message}")
        target_topic = f"{args.tracker}/target"
        if not node.spin_until(lambda: node.count_publishers(target_topic) > 0, time.monotonic() + 30.0):
            print(f"error: nothing publishes {target_topic} (FollowTarget): the tracker node is too old for the "
                  "follow-me loop", file=sys.stderr)
            return 1
        # the controller must hear the tracker before the scene moves: a message sent before a reader is matched
        # is not delivered to it
        node.spin_until(lambda: node.count_subscribers(target_topic) > 0, time.monotonic() + 30.0)
        node.spin_until(lambda: False, time.monotonic() + SETTLE_S)
        started = time.monotonic()
        if node.call(node.start, Trigger.Request(), deadline) is None:
            print("error: the sim_camera did not start", file=sys.stderr)
            return 1
        if not node.spin_until(lambda: len(node.truths) >= frames, deadline):
            print(f"error: the run did not finish in {args.timeout:.0f} s ({len(node.truths)}/{frames} frames)",
                  file=sys.stderr)
            return 1
        seconds = time.monotonic() - started
        complete = node.spin_until(lambda: all(  # the first frame, where the target is set, needs neither
            stamp in node.images and (stamp == first or (stamp in node.statuses and stamp in node.answers))
            for stamp in node.truths), time.monotonic() + GRACE_S)
        if not complete:
            missing = [stamp for stamp in node.truths if stamp != first and stamp not in node.answers]
            print(f"warning: {len(missing)} frame(s) without the controller's answer, "
                  f"{sum(stamp not in node.statuses for stamp in node.truths if stamp != first)} without the "
                  "tracker's status", file=sys.stderr)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    records = frame_records(node, scene)
    args.records.parent.mkdir(parents=True, exist_ok=True)
    args.records.write_text(json.dumps({"label": args.label, "seconds": seconds, "video": str(args.video),
                                        "frames": records}))
    write_video(node, records, scene, args.video, args.label)
    print(summary_of(records, seconds).line(args.label))
    return 0


def frame_records(node: Recorder, scene: SceneConfig) -> list[dict]:
    """Per frame: stamp, true box and centre, visible fraction, tracker state and box, commanded yaw rate, pan."""
    records = []
    for stamp in sorted(node.truths):
        truth = node.truths[stamp]
        center_x = truth.bbox.center.position.x
        status = node.statuses.get(stamp)
        boxes = [bbox_to_box(d.bbox) for d in node.detections[stamp].detections] if stamp in node.detections else []
        answer = node.answers.get(stamp)
        orientation = node.poses[stamp].pose.orientation if stamp in node.poses else None
        records.append({
            "stamp_ns": stamp,
            "true_box": list(bbox_to_box(truth.bbox)),
            "true_center_x_norm": 2 * center_x / scene.width - 1 if math.isfinite(center_x) else math.nan,
            "visible": truth.results[0].hypothesis.score,
            "state": status.state if status else NO_STATUS,
            "score": status.score if status else math.nan,
            "box": list(boxes[0]) if boxes else None,
            "yaw_rate": answer.twist.angular.z if answer else math.nan,
            "pan_deg": math.degrees(2 * math.atan2(orientation.z, orientation.w)) if orientation else math.nan,
        })
    return records


def summary_of(records: list[dict], seconds: float) -> FollowSummary:
    """The run's summary numbers."""
    return summarize([r["true_center_x_norm"] for r in records], [r["state"] for r in records], seconds)


def annotate(frame: np.ndarray, record_: dict, label: str) -> np.ndarray:
    """The camera view with the central band, the true box (thin), the tracker's box and state, the commanded yaw
    rate (arrow and number) and the pan angle."""
    canvas = frame.copy()
    height, width = canvas.shape[:2]
    for side in (-1, 1):
        x = int(round((1 + side * CENTRAL_BAND) * width / 2))
        cv2.line(canvas, (x, 0), (x, height - 1), (255, 255, 255), 1, cv2.LINE_AA)
    x, y, w, h = record_["true_box"]
    if all(math.isfinite(v) for v in (x, y, w, h)):
        cv2.rectangle(canvas, (int(x), int(y)), (int(x + w), int(y + h)), TRUTH_COLOR, 1)
    color = COLORS.get(record_["state"], (255, 255, 255))
    if record_["box"] is not None:
        bx, by, bw, bh = (int(round(v)) for v in record_["box"])
        cv2.rectangle(canvas, (bx, by), (bx + bw, by + bh), color, 2)
    yaw = record_["yaw_rate"]
    command = "no answer" if math.isnan(yaw) else f"{yaw:+.2f} rad/s"
    lines = [f"{label}", f"{STATES.get(record_['state'], '?')} score {record_['score']:.2f}",
             f"yaw cmd {command}  pan {record_['pan_deg']:+.0f} deg"]
    for row, text in enumerate(lines):
        position = (8, 22 + 22 * row)
        cv2.putText(canvas, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(canvas, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.6, color if row == 1 else (255, 255, 255), 1,
                    cv2.LINE_AA)
    center = (width // 2, height - 20)
    if not math.isnan(yaw):
        tip = (int(center[0] - 120 * yaw), center[1])  # a positive yaw rate turns left
        cv2.arrowedLine(canvas, center, tip, (255, 255, 0), 3, cv2.LINE_AA, tipLength=0.3)
    return canvas


def write_video(node: Recorder, records: list[dict], scene: SceneConfig, path: Path, label: str) -> None:
    """The annotated camera view of every frame."""
    writer = VideoWriter(path, scene.fps, (scene.width, scene.height))
    try:
        for record_ in records:
            writer.write(annotate(node.images[record_["stamp_ns"]], record_, label))
    finally:
        writer.close()


def report(args: argparse.Namespace) -> int:
    """Side-by-side video of two recorded runs and both summaries."""
    runs = [json.loads(path.read_text()) for path in (args.left, args.right)]
    videos = [cv2.VideoCapture(run["video"]) for run in runs]
    fps = videos[0].get(cv2.CAP_PROP_FPS) or 10.0
    writer = None
    while True:
        frames = [video.read() for video in videos]
        if not all(ok for ok, _ in frames):
            break
        joined = np.concatenate([frame for _, frame in frames], axis=1)  # (H, 2W, 3) BGR
        if writer is None:
            writer = VideoWriter(args.video, fps, (joined.shape[1], joined.shape[0]))
        writer.write(cv2.cvtColor(joined, cv2.COLOR_BGR2RGB))
    if writer is not None:
        writer.close()
    summaries = [summary_of(run["frames"], run["seconds"]) for run in runs]
    print("follow-me summary (same scenario; central 30 % = |normalized x| <= 0.3; out of view counts as error 1):")
    for run, summary in zip(runs, summaries, strict=True):
        print("  " + summary.line(run["label"]))
    print(f"side-by-side video: {args.video}")
    return 0 if summaries[0].centred_fraction >= args.min_centred else 1


def main() -> int:
    """Dispatch the subcommand."""
    args = parse_args()
    return record(args) if args.command == "record" else report(args)


if __name__ == "__main__":
    sys.exit(main())
