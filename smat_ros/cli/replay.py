"""smat-replay: run the tracker over a rosbag2 recording (sqlite3 or MCAP) offline, without a ROS graph."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from smat_ros.cli.common import add_logging_argument, run_cli
from smat_ros.tracker import Tracker
from smat_ros.video import parse_box
from smat_ros.weights import demo_weights

try:
    from smat_ros.replay import DETECTIONS_TOPIC, STATUS_TOPIC, ReplayOptions, replay
except ModuleNotFoundError as exc:  # rosbags is the optional "replay" dependency
    if exc.name != "rosbags":
        raise
    replay = None
    DETECTIONS_TOPIC, STATUS_TOPIC = "detections", "status"

log = logging.getLogger("smat-replay")


def build_parser() -> argparse.ArgumentParser:
    """Arguments of smat-replay."""
    parser = argparse.ArgumentParser(
        prog="smat-replay",
        description="Track one target through the images of a rosbag2 recording (sqlite3 or MCAP; sensor_msgs/Image "
                    "or CompressedImage), frame by frame in header stamp order, without ROS.")
    parser.add_argument("bag", type=Path, help="rosbag2 folder (with metadata.yaml) or .mcap file")
    parser.add_argument("--image-topic", required=True, help="topic of the images, e.g. /camera/image_raw")
    parser.add_argument("--init", required=True, help="target box x,y,w,h in pixels on the start frame")
    parser.add_argument("--checkpoint", help="official .pth.tar, state_dict file or .safetensors (default: the "
                        "bundled demo weights, not the paper's tracker)")
    parser.add_argument("--start-stamp", type=int, metavar="NS",
                        help="header stamp (ns) of the frame the box was drawn on: tracking starts at the newest "
                             "frame stamped at or before it, as the node does for a target (default: the first "
                             "frame)")
    parser.add_argument("--boxes-out", type=Path, help="write one x,y,w,h line per tracked frame")
    parser.add_argument("--video-out", type=Path, help="write the tracked frames with box, state and score drawn")
    parser.add_argument("--output-bag", type=Path,
                        help=f"write a new bag (same storage) with the original topics plus {DETECTIONS_TOPIC} and "
                             f"{STATUS_TOPIC} for every image, stamped with the image's header")
    add_logging_argument(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Load the tracker, replay the bag and report."""
    options = ReplayOptions(bag=args.bag, image_topic=args.image_topic, init_box=parse_box(args.init),
                            start_stamp_ns=args.start_stamp, boxes_out=args.boxes_out, video_out=args.video_out,
                            output_bag=args.output_bag)
    tracker = Tracker.from_checkpoint(args.checkpoint or demo_weights("no --checkpoint given", log.warning),
                                      device="auto")
    summary = replay(options, tracker)
    log.info("%d images: %d tracked at %.1f fps (device %s), %d before the start, %d rejected", summary.frames,
             summary.tracked, summary.fps, tracker.device, summary.skipped, summary.rejected)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    args = build_parser().parse_args(argv)
    if replay is None:
        print("smat-replay: error: the rosbags package is missing: pip install 'smat_ros[replay]'", file=sys.stderr)
        return 1
    return run_cli("smat-replay", run, args)


if __name__ == "__main__":
    raise SystemExit(main())
