"""Fixtures of the follow-me tests: the vtest frames with the demo network's boxes on them, and a synthetic
follow-me scene tracked with the demo network."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from smat_ros.follow.association import Candidate
from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.follow.scenarios import HIDDEN_VISIBILITY, wrong_target_frames
from smat_ros.follow.states import TrackState
from smat_ros.tracker import Tracker
from smat_ros.train.synthetic import FOLLOW_FRAME_PERIOD_S, SyntheticConfig, render_sequence
from smat_ros.video import list_images, read_image

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "weights" / "smat_demo.safetensors"
VTEST = ROOT / "test" / "fixtures" / "vtest_person"


@pytest.fixture(scope="session")
def vtest() -> tuple[list[np.ndarray], list[tuple[float, ...]]]:
    """The first 32 vtest frames and the demo network's boxes on them (the truth for the changed sequences)."""
    frames = [read_image(p) for p in list_images(VTEST / "img")][:32]
    init = tuple(float(v) for v in (VTEST / "init.txt").read_text().split(","))
    tracker = Tracker.from_checkpoint(DEMO, device="cpu")
    tracker.initialize(frames[0], init, stamp=0.0)
    boxes = [tracker.track(f, stamp=FOLLOW_FRAME_PERIOD_S * i).box for i, f in enumerate(frames[1:], 1)]
    return frames, [init, *boxes]


SceneRun = Callable[[SyntheticConfig, int, ReacquireConfig], tuple[int, list[Candidate]]]


@pytest.fixture(scope="session")
def track_scene() -> SceneRun:
    """A function that tracks generator scene ``seed`` of ``scene`` with the demo network and re-acquisition
    ``config``: the frames spent on something else after a re-acquisition, and the LOST frames' candidates."""

    def run(scene: SyntheticConfig, seed: int, config: ReacquireConfig) -> tuple[int, list[Candidate]]:
        """Frames on something else and the candidates of one tracked scene."""
        frames, truth, visible = render_sequence(scene, (), np.random.default_rng(seed))
        hidden = {i for i, v in enumerate(visible) if v < HIDDEN_VISIBILITY}
        tracker = Tracker.from_checkpoint(DEMO, device="cpu", reacquire=config)
        tracker.initialize(frames[0], truth[0], stamp=0.0)
        states, boxes, candidates = [TrackState.TRACKING], [tuple(truth[0])], []
        for i, frame in enumerate(frames[1:], 1):
            result = tracker.track(frame, stamp=FOLLOW_FRAME_PERIOD_S * i)
            states.append(result.state)
            boxes.append(result.box)
            candidates += result.candidates
        return sum(wrong_target_frames(states, boxes, [tuple(b) for b in truth], hidden)), candidates

    return run
