#!/usr/bin/env python3
"""Measure demo weights: AO / SR on held-out synthetic GOT-10k-layout sets, centre error against a hand check on
the vtest_person sequence, and rendered frames of that sequence to look at.

    python scripts/evaluate_demo.py --weights weights/smat_demo.safetensors \
        --synthetic /tmp/demo_work/synthetic/test /tmp/demo_work/synthetic/test_crowds \
        --sequence ../shared/data/sequences/vtest_person \
        --handcheck weights/vtest_person_handcheck.csv --render /tmp/demo_render
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from smat_ros import Tracker
from smat_ros.eval.metrics import got10k_scores, iou
from smat_ros.textfile import read_centres
from smat_ros.train.datasets import open_dataset
from smat_ros.video import draw_track, parse_box, read_image


def track_sequence(tracker: Tracker, frames: list[np.ndarray], init_box: tuple[float, ...]) -> np.ndarray:
    """Boxes (N, 4) of one run: the init box on frame 0, then the tracker's boxes."""
    tracker.initialize(frames[0], init_box)
    boxes = [init_box] + [tracker.track(frame).box for frame in frames[1:]]
    return np.asarray(boxes, dtype=np.float64)


def synthetic_ao(tracker: Tracker, root: Path, limit: int) -> dict[str, float | None]:
    """GOT-10k AO / SR over frames 2..N with a visible target, pooled over the first ``limit`` sequences."""
    data = open_dataset("got10k", root)
    ious = []
    for seq_id in tqdm(range(min(limit, len(data))), desc="held-out synthetic"):
        info = data.sequence_info(seq_id)
        frames = [data.frame(seq_id, i) for i in range(len(info.boxes))]
        boxes = track_sequence(tracker, frames, tuple(float(v) for v in info.boxes[0]))
        ious.append(iou(boxes[1:], info.boxes[1:].astype(np.float64))[info.visible[1:]])
    return got10k_scores(np.concatenate(ious))


def person_check(tracker: Tracker, sequence: Path, handcheck: Path, render: Path) -> dict[str, object]:
    """Track the person, compare centres with the hand check, write annotated frames and a contact sheet."""
    files = sorted((sequence / "img").glob("*.jpg"))
    frames = [read_image(f) for f in files]
    boxes = track_sequence(tracker, frames, parse_box((sequence / "init.txt").read_text()))
    truth = read_centres(handcheck)
    errors = {n: float(np.hypot(boxes[n - 1, 0] + boxes[n - 1, 2] / 2 - cx, boxes[n - 1, 1] + boxes[n - 1, 3] / 2 - cy))
              for n, (cx, cy) in truth.items()}
    render.mkdir(parents=True, exist_ok=True)
    tiles = []
    for number, (frame, box) in enumerate(zip(frames, boxes, strict=True), 1):
        canvas = draw_track(frame, box, None, f"frame {number}")
        if number in truth:
            cv2.circle(canvas, tuple(int(v) for v in truth[number]), 4, (255, 0, 0), -1)
        cv2.imwrite(str(render / f"{number:08d}.jpg"), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
        if number in (1, 8, 15, 22, 30, 38, 46, 50, 55, 60):
            tiles.append(cv2.resize(canvas[120:420, 300:720], (420, 300)))
    sheet = np.vstack([np.hstack(tiles[i:i + 5]) for i in range(0, len(tiles), 5)])
    cv2.imwrite(str(render / "contact_sheet.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return {"centre_error_px": errors, "mean_centre_error_px": float(np.mean(list(errors.values()))),
            "frames_within_20px": int(sum(e <= 20 for e in errors.values())), "checked_frames": len(errors),
            "boxes_xywh": boxes.round(2).tolist()}


def main() -> int:
    """Parse arguments, evaluate, print and write a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--synthetic", type=Path, nargs="+", required=True, help="held-out GOT-10k-layout folders")
    parser.add_argument("--sequence", type=Path, required=True, help="vtest_person folder (img/, init.txt)")
    parser.add_argument("--handcheck", type=Path, required=True)
    parser.add_argument("--render", type=Path, required=True, help="folder for annotated frames")
    parser.add_argument("--max-sequences", type=int, default=30)
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for path in (args.weights, *args.synthetic, args.sequence, args.handcheck):
        if not path.exists():
            print(f"error: not found: {path}", file=sys.stderr)
            return 2
    tracker = Tracker.from_checkpoint(args.weights, device="cpu")
    summary = {"weights": str(args.weights),
               "synthetic": {str(root): synthetic_ao(tracker, root, args.max_sequences) for root in args.synthetic},
               "vtest_person": person_check(tracker, args.sequence, args.handcheck, args.render)}
    short = {k: v for k, v in summary["vtest_person"].items() if k != "boxes_xywh"}
    print(json.dumps({"synthetic": summary["synthetic"], "vtest_person": short}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
