"""Fixtures of the follow-me tests: the vtest frames with the demo network's boxes on them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smat_ros.tracker import Tracker
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
    return frames, [init] + [tracker.track(f, stamp=0.1 * i).box for i, f in enumerate(frames[1:], 1)]
