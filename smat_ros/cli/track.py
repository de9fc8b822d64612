"""smat-track: track one target through a video file or an image folder."""
from __future__ import annotations

import argparse
import logging
import math
import time
from pathlib import Path

from tqdm import tqdm

from smat_ros.backends import BACKEND_CHOICES, GRAPHS, PRECISIONS, PROVIDERS, BackendOptions
from smat_ros.cli.common import add_logging_argument, positive_int, run_cli
from smat_ros.config import load_yaml
from smat_ros.follow.config import FollowConfig
from smat_ros.follow.states import TrackState
from smat_ros.tracker import Tracker
from smat_ros.video import FrameSource, VideoWriter, draw_track, format_box, parse_box
from smat_ros.weights import demo_weights

log = logging.getLogger("smat-track")


def build_parser() -> argparse.ArgumentParser:
    """Arguments of smat-track."""
    parser = argparse.ArgumentParser(
        prog="smat-track", description="Track one target with SMAT through a video file or an image folder."
    )
    parser.add_argument("--checkpoint", help="official .pth.tar, state_dict file or .safetensors (default: the "
                        "bundled demo weights, not the paper's tracker)")
    parser.add_argument("--input", required=True, help="video file or folder of images (in frame order)")
    parser.add_argument("--init", required=True, help="target box on the first frame: x,y,w,h in pixels")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    parser.add_argument("--half", action="store_true", help=argparse.SUPPRESS)  # deprecated: --precision fp16
    parser.add_argument("--backend", default="auto", choices=BACKEND_CHOICES,
                        help="inference backend (default: auto = onnxruntime on CPU, torch on CUDA)")
    parser.add_argument("--precision", default="fp32", choices=PRECISIONS,
                        help="fp32 (default), fp16 (CUDA), bf16 (torch, CPU), int8 (onnxruntime, CPU)")
    parser.add_argument("--graph", default="auto", choices=GRAPHS, help="torch graph mode")
    parser.add_argument("--provider", default="auto", choices=PROVIDERS, help="onnxruntime execution provider")
    parser.add_argument("--threads", type=positive_int, help="CPU threads of the backend (default: the runtime's)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk ONNX graph cache")
    parser.add_argument("--boxes-out", type=Path, help="write one x,y,w,h line per frame (GOT-10k result format)")
    parser.add_argument("--video-out", type=Path, help="write the frames with box and score drawn (.mp4 or .avi)")
    parser.add_argument("--reacquire", action="store_true", help="search the whole image for a LOST target and "
                        "write nan,nan,nan,nan boxes while it is LOST (default: the paper's protocol, a box per frame)")
    parser.add_argument("--states-out", type=Path, help="write the track state per frame (IDLE, TRACKING or LOST)")
    parser.add_argument("--follow-config", type=Path, help="YAML with track-state thresholds and re-acquisition "
                        "settings (smat_ros.follow.config.FollowConfig; unknown keys are errors)")
    add_logging_argument(parser)
    return parser


def track_sequence(args: argparse.Namespace) -> int:
    """Run the tracker over the input and write the requested outputs."""
    source = FrameSource(args.input)
    init_box = parse_box(args.init)
    if args.half:
        log.warning("--half is deprecated: use --precision fp16")
        args.precision = "fp16"
    follow = load_yaml(FollowConfig, args.follow_config) if args.follow_config else FollowConfig()
    options = BackendOptions(args.precision, args.graph, args.provider, args.threads, not args.no_cache)
    tracker = Tracker.from_checkpoint(
        args.checkpoint or demo_weights("no --checkpoint given", log.warning), device=args.device, backend=args.backend,
        options=options, states=follow.states, reacquire=follow.reacquire if args.reacquire else False,
    )
    period_s = 1.0 / source.fps if source.fps and source.fps > 0 else 0.1
    boxes: list[tuple[float, ...]] = []
    states: list[TrackState] = []
    writer: VideoWriter | None = None
    elapsed = 0.0
    try:
        for index, frame in enumerate(tqdm(source, total=len(source) or None, unit="frame", desc="tracking")):
            start = time.perf_counter()
            if index == 0:
                tracker.initialize(frame, init_box, stamp=0.0)
                box, score, state = tuple(float(v) for v in init_box), None, TrackState.TRACKING
            else:
                result = tracker.track(frame, stamp=index * period_s)
                box, score, state = result.box, result.score, result.state
                elapsed += time.perf_counter() - start
            if args.reacquire and state != TrackState.TRACKING:
                box = (math.nan,) * 4
            boxes.append(box)
            states.append(state)
            if args.video_out is not None:
                if writer is None:
                    writer = VideoWriter(args.video_out, source.fps, (frame.shape[1], frame.shape[0]))
                shown = None if math.isnan(box[0]) else box
                writer.write(draw_track(frame, shown, score, label=f"#{index} {state.name}"))
    finally:
        if writer is not None:
            writer.close()
    if args.boxes_out is not None:
        args.boxes_out.parent.mkdir(parents=True, exist_ok=True)
        args.boxes_out.write_text("".join(format_box(b) + "\n" for b in boxes))
    if args.states_out is not None:
        args.states_out.parent.mkdir(parents=True, exist_ok=True)
        args.states_out.write_text("".join(s.name + "\n" for s in states))
    tracked = len(boxes) - 1
    fps = tracked / elapsed if elapsed > 0 else float("nan")
    log.info("%d frames, %d tracked at %.1f fps (%s)", len(boxes), tracked, fps, tracker.backend.describe())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    return run_cli("smat-track", track_sequence, build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
