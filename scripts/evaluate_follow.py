#!/usr/bin/env python3
"""Loss and re-acquisition with the demo weights: camera jerks and black-outs on vtest, synthetic occlusions/crossings.

Prints one table row per sequence: frames from the event to the track being back on the target (IoU >= 0.5),
frames spent TRACKING someone else after a re-acquisition onto him, frames the network drifted off the target before
the loss was seen, frames LOST, the time per frame with re-acquisition on against the same sequence tracked with it
off (measured in this run), for a track not back within 15 frames what the search saw of the target and what the
network sees with its search crop centred on him (as a perfect search would place it), and for a
re-acquisition onto something else the frame, score and backward check of that candidate. The vtest
truth is the box the same network gives on the unchanged frames (shifted with the jerk), as the issue asks, on the
frames where that box is on him (0-32, played forward and back); the synthetic truth is the generator's.

    python scripts/evaluate_follow.py                      # the table for docs/follow.md
    python scripts/evaluate_follow.py --synthetic 4        # synthetic seeds 100-103 only (the earlier table)
    python scripts/evaluate_follow.py --synthetic 0        # vtest only
    python scripts/evaluate_follow.py --verify-iou 0       # without the backward check
    python scripts/evaluate_follow.py --camera-motion      # with camera-motion compensation
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import logging
import math
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from smat_ros.crop import box_iou
from smat_ros.follow.camera_motion import CameraMotionEstimator
from smat_ros.follow.controller import ControllerConfig, FollowController, TargetObservation
from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.follow.scenarios import (
    BACK_IOU,
    HIDDEN_VISIBILITY,
    Scenario,
    black_out,
    camera_jerk,
    score_recovery,
    wrong_target_frames,
)
from smat_ros.follow.states import StateConfig, TrackEvent, TrackState
from smat_ros.follow.target import TargetEstimator, TargetView
from smat_ros.tracker import Tracker, TrackResult
from smat_ros.train.synthetic import FOLLOW_CROSSINGS, FOLLOW_CROWDS, FOLLOW_FRAME_PERIOD_S, render_sequence
from smat_ros.video import list_images, read_image

ROOT = Path(__file__).resolve().parents[1]
VTEST = ROOT / "test" / "fixtures" / "vtest_person"
WEIGHTS = ROOT / "weights" / "smat_demo.safetensors"
BACK_WITHIN = 15  # frames within which the issue asks the track to be back on the target
# the demo network's box is on the person up to this vtest frame (checked by eye: on frame 33 it jumps onto the two
# people standing at the sign post while he walks on behind it); the sequences play frames 0-32 forward, then back
VTEST_TRUE_FRAMES = 33
JERKS = [(10, -250, 0), (10, -200, 0), (15, -300, 0), (12, 0, 220), (18, 0, -200), (8, -220, 150)]
BLACKOUTS = [(8, 10), (10, 15), (12, 20), (6, 12)]


@dataclasses.dataclass
class Row:
    """One sequence's measures."""

    name: str
    back: int | None
    wrong: int
    stale: int
    lost: int
    ms_on: float
    ms_off: float
    lost_ms: float | None  # mean time of the frames spent LOST with re-acquisition on
    tracking_ms: float | None  # mean time of the frames spent TRACKING with re-acquisition on
    reason: str  # why the track did not come back within BACK_WITHIN frames, or took something else ("" when neither)
    chase_m: tuple[float, float]  # metres follow_controller drives forward on a wrong target: default hold, no hold


def run_track(tracker: Tracker, frames: list[np.ndarray], init: tuple[float, ...]) -> tuple[list, list, list]:
    """Results (None for frame 0, the initialization), boxes and per-frame seconds of one run."""
    tracker.initialize(frames[0], init, stamp=0.0)
    results: list[TrackResult | None] = [None]
    boxes, seconds = [tuple(init)], []
    for index, frame in enumerate(frames[1:], 1):
        start = time.perf_counter()
        result = tracker.track(frame, stamp=index * FOLLOW_FRAME_PERIOD_S)
        seconds.append(time.perf_counter() - start)
        results.append(result)
        boxes.append(result.box)
    return results, boxes, seconds


def reason(scenario: Scenario, tracker: Tracker, results: list[TrackResult | None], back: int | None,
           wrong: list[bool]) -> str:
    """Why a track did not come back within BACK_WITHIN frames, and which re-acquisitions took something else."""
    parts = (not_back(scenario, tracker, results, back), wrong_takes(scenario, results, wrong))
    return "; ".join(part for part in parts if part)


def not_back(scenario: Scenario, tracker: Tracker, results: list[TrackResult | None], back: int | None) -> str:
    """Why a track did not come back within BACK_WITHIN frames: what the search saw of the target while LOST, and
    what ``tracker``'s network sees with its search crop centred on him (the truth) at his size on those frames."""
    if back is not None and back <= BACK_WITHIN:
        return ""
    lost = [(i, r) for i, r in enumerate(results) if r is not None and r.state == TrackState.LOST
            and i >= scenario.event_frame and i not in scenario.hidden]
    if not lost:
        return "no loss seen: the network followed something else"
    on = [r for i, r in lost if r.detection is not None and box_iou(r.detection, scenario.truth[i]) >= BACK_IOU]
    proposed = sum(r.proposal is not None and box_iou(r.proposal, scenario.truth[i]) >= BACK_IOU for i, r in lost)
    refusals = collections.Counter(r.refused for r in on if r.refused)
    seen = f"on him in the window {len(on)} of {len(lost)} LOST frames, proposed by a tile {proposed} times"
    seen += ("; refused: " + ", ".join(f"{k} {n}" for k, n in refusals.most_common()) if refusals else "")
    return seen + "; " + centred_view(scenario, tracker, [i for i, _ in lost])


def centred_view(scenario: Scenario, tracker: Tracker, frames: list[int]) -> str:
    """How often the network (the target set on frame 0 again) has the target on ``frames`` with its search crop
    centred on the true box at the true size, as a perfect search would place it, and his median score there."""
    tracker.initialize(scenario.frames[0], scenario.truth[0], stamp=0.0)
    scores = []
    for i in frames:
        box, score = tracker.locate(scenario.frames[i], scenario.truth[i])
        if box_iou(box, scenario.truth[i]) >= BACK_IOU:
            scores.append(score)
    found = f", median score {statistics.median(scores):.2f}" if scores else ""
    return f"centred on him at his size the network has him on {len(scores)} of them{found}"


def wrong_takes(scenario: Scenario, results: list[TrackResult | None], wrong: list[bool]) -> str:
    """The re-acquisitions onto something else (the first frame of each ``wrong`` stretch): frame, distance from the
    target in target heights, score."""
    takes = []
    for i in range(1, len(wrong)):
        result = results[i]
        if wrong[i] and not wrong[i - 1] and result is not None:
            box, true, score = result.box, scenario.truth[i], result.score
            away = math.dist((box[0] + box[2] / 2, box[1] + box[3] / 2),
                             (true[0] + true[2] / 2, true[1] + true[3] / 2)) / true[3]
            takes.append(f"frame {i}: {away:.1f} heights away, score {score:.2f}")
    return ("took something else on " + ", ".join(takes)) if takes else ""


def evaluate(scenario: Scenario, on: Tracker, off: Tracker) -> Row:
    """Track a scenario with re-acquisition on and off; measure the on-track's recovery and both times."""
    init = scenario.truth[0]
    results, boxes, seconds_on = run_track(on, scenario.frames, init)
    _, _, seconds_off = run_track(off, scenario.frames, init)
    states = [TrackState.TRACKING] + [r.state for r in results[1:]]
    recovery = score_recovery(states, boxes, scenario.truth, scenario.event_frame, scenario.hidden)
    wrong = wrong_target_frames(states, boxes, scenario.truth, scenario.hidden)
    lost = [s for s, state in zip(seconds_on, states[1:], strict=True) if state == TrackState.LOST]
    tracking = [s for s, state in zip(seconds_on, states[1:], strict=True) if state == TrackState.TRACKING]
    return Row(scenario.name, recovery.frames_to_reacquire, recovery.wrong_frames, recovery.stale_frames,
               recovery.lost_frames, 1e3 * statistics.mean(seconds_on), 1e3 * statistics.mean(seconds_off),
               1e3 * statistics.mean(lost) if lost else None, 1e3 * statistics.mean(tracking) if tracking else None,
               reason(scenario, on, results, recovery.frames_to_reacquire, wrong),
               (chase_m(scenario, results, wrong, ControllerConfig()),
                chase_m(scenario, results, wrong, ControllerConfig(reacquired_hold_s=0.0))))


def chase_m(scenario: Scenario, results: list[TrackResult | None], wrong: list[bool],
            config: ControllerConfig) -> float:
    """Metres follow_controller (``config``) drives forward over the ``wrong`` frames (on something else after a
    re-acquisition), fed the track as the node feeds it (no camera info, no latency)."""
    if not any(wrong):
        return 0.0
    estimator, controller = TargetEstimator(), FollowController(config)
    height, width = scenario.frames[0].shape[:2]
    view_fields = [field.name for field in dataclasses.fields(TargetView)]
    metres = 0.0
    for i, r in enumerate(results):
        stamp = i * FOLLOW_FRAME_PERIOD_S
        if r is None:  # frame 0: the target is set on it
            r = TrackResult(scenario.truth[0], 1.0, TrackState.TRACKING, TrackEvent.STARTED)
        estimate = estimator.update(r.box, r.score, r.state, r.event, r.seconds_since_seen, stamp, width, height)
        observation = TargetObservation(**{name: getattr(estimate, name) for name in view_fields}, track_id="target")
        command = controller.on_target(observation, received_s=stamp)
        metres += command.forward * FOLLOW_FRAME_PERIOD_S if wrong[i] else 0.0
    return metres


def vtest_scenarios(clean_tracker: Tracker) -> list[Scenario]:
    """Jerks and black-outs of the vtest person walking to the post and back; truth = the network's boxes on the
    unchanged frames (frames 0-32, where they are on him)."""
    frames = [read_image(p) for p in list_images(VTEST / "img")][:VTEST_TRUE_FRAMES]
    init = tuple(float(v) for v in (VTEST / "init.txt").read_text().split(","))
    _, truth, _ = run_track(clean_tracker, frames, init)
    frames, truth = ping_pong(frames), ping_pong(truth)
    scenarios = [camera_jerk(f"vtest jerk {dx:+d},{dy:+d} px at frame {start}", frames, truth, start, dx, dy)
                 for start, dx, dy in JERKS]
    scenarios += [black_out(f"vtest black-out frames {start}-{start + count - 1}", frames, truth, start, count)
                  for start, count in BLACKOUTS]
    return scenarios


def ping_pong(items: list) -> list:
    """``items`` followed by themselves backwards, without repeating the last one (a walk there and back)."""
    return items + items[-2::-1]


def synthetic_scenarios(count: int) -> list[Scenario]:
    """Crowd scenes with posts on the target's way, and with look-alikes crossing it (generator seeds 100...)."""
    out = []
    for kind, config in (("occlusion", FOLLOW_CROWDS), ("crossing", FOLLOW_CROSSINGS)):
        for seed in range(100, 100 + count):
            frames, boxes, visible = render_sequence(config, (), np.random.default_rng(seed))
            hidden = frozenset(i for i, v in enumerate(visible) if v < HIDDEN_VISIBILITY)
            # the first frame after the first occlusion: from then on the target can be found again
            event = next((i for i in range(min(hidden), len(frames)) if i not in hidden), 0) if hidden else 0
            out.append(Scenario(f"synthetic {kind} seed {seed}", frames, [tuple(b) for b in boxes], event, hidden))
    return out


def camera_motion_cost(scenarios: list[Scenario]) -> dict[tuple[int, int], float]:
    """Mean milliseconds of one camera-motion estimate (CameraMotionEstimator.update) per frame size (w, h)."""
    seconds: dict[tuple[int, int], list[float]] = collections.defaultdict(list)
    for scenario in scenarios:
        estimator = CameraMotionEstimator()
        for frame in scenario.frames:
            start = time.perf_counter()
            estimator.update(frame)
            seconds[(frame.shape[1], frame.shape[0])].append(time.perf_counter() - start)
    return {size: 1e3 * statistics.mean(values) for size, values in seconds.items()}


def print_table(rows: list[Row]) -> None:
    """The Markdown table of the rows and a summary line."""
    print("| sequence | frames to reacquire | frames on a wrong target | frames TRACKING off target (drift) "
          "| frames LOST | ms/frame reacquire on | ms/frame off | extra ms/frame | LOST frame / normal step "
          "| why not back within 15, or on a wrong target |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        back = "never" if r.back is None else str(r.back)
        ratio = f"{r.lost_ms / r.ms_off:.2f}x" if r.lost_ms is not None else "-"
        print(f"| {r.name} | {back} | {r.wrong} | {r.stale} | {r.lost} | {r.ms_on:.1f} | {r.ms_off:.1f} | "
              f"{r.ms_on - r.ms_off:+.1f} | {ratio} | {r.reason} |")
    back = [r.back for r in rows if r.back is not None]
    within = sum(b <= BACK_WITHIN for b in back)
    lost = [r.lost_ms / r.ms_off for r in rows if r.lost_ms is not None]
    tracking = [r.tracking_ms / r.ms_off for r in rows if r.tracking_ms is not None]
    worst = max(back) if back else "-"
    print(f"\n{within}/{len(rows)} back on the target (IoU >= 0.5) within {BACK_WITHIN} frames, "
          f"{len(back)}/{len(rows)} at all (worst {worst} frames); {sum(r.wrong for r in rows)} frames on a "
          f"wrong target in all; mean extra {statistics.mean(r.ms_on - r.ms_off for r in rows):+.1f} ms/frame; "
          f"a LOST frame costs {statistics.mean(lost) if lost else float('nan'):.2f}x a normal step on average "
          f"(median over the rows {statistics.median(lost) if lost else float('nan'):.2f}x), a TRACKING frame "
          f"{statistics.median(tracking) if tracking else float('nan'):.2f}x (median)")


def print_chases(rows: list[Row]) -> None:
    """For the rows with frames on a wrong target: how far follow_controller drives after it, with and without
    its turn-only hold after a re-acquisition."""
    chased = [r for r in rows if r.wrong]
    if not chased:
        return
    hold = ControllerConfig().reacquired_hold_s
    print(f"\nfollow_controller (defaults, forward speed <= {ControllerConfig().max_forward_speed} m/s) on the frames "
          "on a wrong target:\n")
    print(f"| sequence | frames on a wrong target | metres driven, reacquired_hold_s {hold:g} "
          "| metres driven, hold 0 |")
    print("|---|---|---|---|")
    for r in chased:
        print(f"| {r.name} | {r.wrong} | {r.chase_m[0]:.2f} | {r.chase_m[1]:.2f} |")
    print()


def main() -> int:
    """Build the sequences, run them, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=WEIGHTS, help="weights (default: the demo weights)")
    parser.add_argument("--synthetic", type=int, default=8,
                        help="synthetic sequences per kind, seeds 100 on (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    searched = [f for f in dataclasses.fields(ReacquireConfig) if isinstance(f.default, int | float | str)]
    for config, fields in ((StateConfig, dataclasses.fields(StateConfig)), (ReacquireConfig, searched)):
        for field in fields:
            flag = f"--{field.name.replace('_', '-')}"
            text = f"{config.__name__}.{field.name} (default {field.default})"
            if isinstance(field.default, bool):
                parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=field.default, help=text)
            else:
                parser.add_argument(flag, type=type(field.default), default=field.default, help=text)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    states = StateConfig(**{field.name: getattr(args, field.name) for field in dataclasses.fields(StateConfig)})
    search = ReacquireConfig(**{field.name: getattr(args, field.name) for field in searched})
    on = Tracker.from_checkpoint(args.checkpoint, device="cpu", states=states, reacquire=search)
    off = Tracker.from_checkpoint(args.checkpoint, device="cpu", states=states)
    scenarios = vtest_scenarios(off) + synthetic_scenarios(args.synthetic)
    rows = [evaluate(s, on, off) for s in tqdm(scenarios, desc="sequences", unit="seq")]
    print(f"\nweights {args.checkpoint.name}, {states}, {search}, "
          f"{torch.get_num_threads()} thread(s)\n")
    print_table(rows)
    print_chases(rows)
    costs = camera_motion_cost(scenarios)
    step = statistics.mean(r.ms_off for r in rows)
    print("camera-motion estimate alone (each frame with --camera-motion): " + ", ".join(
        f"{ms:.2f} ms/frame at {w}x{h}" for (w, h), ms in sorted(costs.items(), reverse=True))
        + f"; a normal step {step:.1f} ms/frame (mean over the rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
