#!/usr/bin/env python3
"""Fit the re-acquisition's candidate association (smat_ros/follow/association.py) for a checkpoint.

Renders the follow-me synthetic scenes (crowds with posts on the target's way, and with look-alikes crossing it;
generator seeds --first-seed on, 0-39 by default: the evaluation, scripts/evaluate_follow.py, uses 100-107), tracks
each with re-acquisition on (drift check every 2 frames, camera-motion compensation) and the association off, labels
every LOST-time candidate by its IoU with the true box (>= 0.5: the target, < 0.1: something else, between: left
out), fits the logistic model on the candidates' cues and writes it as JSON, with how it was fitted.

    python scripts/fit_association.py                        # weights/smat_demo_association.json (the demo weights)
    python scripts/fit_association.py --checkpoint smat.safetensors --out smat_association.json
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from smat_ros.crop import box_iou
from smat_ros.errors import SmatError
from smat_ros.follow.association import CUES, CandidateCues, fit_association, roc_auc, save_association
from smat_ros.follow.reacquire import FOLLOW_ME
from smat_ros.tracker import Tracker
from smat_ros.train.synthetic import FOLLOW_CROSSINGS, FOLLOW_CROWDS, FOLLOW_FRAME_PERIOD_S, render_sequence

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "weights" / "smat_demo.safetensors"
OUT = ROOT / "weights" / "smat_demo_association.json"
TARGET_IOU, OTHER_IOU = 0.5, 0.1  # a candidate at least this much on the true box is the target, below that another
FIT_SEARCH = dataclasses.replace(FOLLOW_ME, association_min=0.0)  # the follow-me settings, association off


def candidates(tracker: Tracker, frames: list[np.ndarray], truth: np.ndarray) -> list[tuple[CandidateCues, bool]]:
    """The labelled LOST-time candidates of one tracked scene (ambiguous ones left out)."""
    tracker.initialize(frames[0], truth[0], stamp=0.0)
    out = []
    for index, frame in enumerate(frames[1:], 1):
        for candidate in tracker.track(frame, stamp=index * FOLLOW_FRAME_PERIOD_S).candidates:
            overlap = box_iou(candidate.box, tuple(truth[index]))
            if overlap >= TARGET_IOU or overlap < OTHER_IOU:
                out.append((candidate.cues, bool(overlap >= TARGET_IOU)))
    return out


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    """Collect the candidates, fit, report, write."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=WEIGHTS, help="weights (default: the demo weights)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON file written (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--seeds", type=int, default=40, help="scenes per kind (default 40)")
    parser.add_argument("--first-seed", type=int, default=0, help="generator seed of the first scene (default 0)")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the logistic regression (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    try:
        tracker = Tracker.from_checkpoint(args.checkpoint, device="cpu", reacquire=FIT_SEARCH)
        labelled: list[tuple[CandidateCues, bool]] = []
        scenes = [(config, seed) for config in (FOLLOW_CROWDS, FOLLOW_CROSSINGS) for seed in seeds]
        for config, seed in tqdm(scenes, desc="scenes", unit="scene"):
            frames, truth, _ = render_sequence(config, (), np.random.default_rng(seed))
            labelled += candidates(tracker, frames, truth)
        cues, labels = [c for c, _ in labelled], [label for _, label in labelled]
        fitted = {"checkpoint": args.checkpoint.name, "checkpoint_sha256": sha256(args.checkpoint),
                  "scenes": f"FOLLOW_CROWDS and FOLLOW_CROSSINGS, generator seeds {seeds.start}-{seeds.stop - 1}",
                  "tracker": f"{FIT_SEARCH}", "candidates": len(labels), "targets": sum(labels), "l2": args.l2}
        model = fit_association(cues, labels, args.l2, fitted=fitted)
    except (SmatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    probabilities = np.array([model.probability(c) for c in cues])
    target = np.array(labels)
    model = dataclasses.replace(model, fitted={**model.fitted, "auc": round(roc_auc(probabilities, labels), 4)})
    save_association(model, args.out)
    weights = ", ".join(f"{name} {w:+.2f}" for name, w in zip(CUES, model.weights, strict=True))
    print(f"{len(labels)} candidates ({sum(labels)} on the target), ROC AUC {model.fitted['auc']:.3f}; weights "
          f"(standardized cues): {weights}")
    for minimum in (0.1, 0.2, 0.5):
        print(f"association_min {minimum}: keeps {np.mean(probabilities[target] >= minimum):.0%} of the target's "
              f"candidates, {np.mean(probabilities[~target] >= minimum):.0%} of the others")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
