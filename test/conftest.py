"""Shared fixtures: paths to the reference fixtures, the loaded reference outputs and a CPU tracker."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros.checkpoint import load_weights
from smat_ros.model import SMAT
from smat_ros.video import read_image

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "smat_reference"
CHECKPOINT = REFERENCE / "checkpoint.pth.tar"
SEQUENCE = FIXTURES / "vtest_person"
DEMO_WEIGHTS = Path(__file__).parents[1] / "weights" / "smat_demo.safetensors"

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def checkpoint_path() -> Path:
    """The reference-format fixture checkpoint."""
    return CHECKPOINT


@pytest.fixture(scope="session")
def fixture_model(checkpoint_path: Path) -> SMAT:
    """SMAT with the fixture weights, eval mode, CPU float32 (shared: tests must not change it)."""
    model = SMAT()
    load_weights(model, checkpoint_path)
    return model.eval()


@pytest.fixture(scope="session")
def demo_model() -> SMAT:
    """SMAT with the bundled demo weights (a trained network: its score peaks are distinct enough to judge
    precision), eval mode, CPU float32 (shared: tests must not change it)."""
    model = SMAT()
    load_weights(model, DEMO_WEIGHTS)
    return model.eval()


@pytest.fixture(scope="session")
def reference_io() -> dict[str, np.ndarray]:
    """Arrays of one reference network forward (io.npz)."""
    with np.load(REFERENCE / "io.npz") as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="session")
def reference_track() -> dict:
    """The reference tracker's run on vtest_person (track.json)."""
    return json.loads((REFERENCE / "track.json").read_text())


@pytest.fixture(scope="session")
def frames(reference_track: dict) -> list[np.ndarray]:
    """The 60 vtest_person frames as RGB arrays, in the reference's order."""
    return [read_image(SEQUENCE / "img" / name) for name in reference_track["frames"]]
