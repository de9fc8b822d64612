"""Fixtures of the training tests: one torch thread and a tiny synthetic GOT-10k-layout dataset."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from smat_ros.train.synthetic import SyntheticConfig, write_got10k

TINY = SyntheticConfig(sequences=3, frames=24, width=192, height=160, min_object=28, max_object=56,
                       distractors=1, max_speed=4.0)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    """Keep every training test to one intra-op thread (the machine is shared)."""
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data root holding ``got10k/train``: 3 synthetic sequences of 24 frames (textured objects moving)."""
    root = tmp_path_factory.mktemp("synthetic_data")
    write_got10k(root / "got10k" / "train", TINY, seed=0)
    return root
