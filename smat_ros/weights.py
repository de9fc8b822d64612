"""The bundled demo weights and their association model: where an install or a source checkout keeps them.

``weights/smat_demo.safetensors`` is a small network trained offline (see ``weights/MODEL_CARD.md``), not the
paper's tracker; ``weights/smat_demo_association.json`` is the re-acquisition's candidate association fitted with it
(:mod:`smat_ros.follow.association`). Installs put them in ``<prefix>/share/smat_ros/weights/`` (colcon/ament and pip
alike).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from smat_ros.errors import CheckpointError, DataFileError

DEMO_WEIGHTS_NAME = "smat_demo.safetensors"
DEMO_ASSOCIATION_NAME = "smat_demo_association.json"


def demo_weights_candidates(name: str = DEMO_WEIGHTS_NAME) -> list[Path]:
    """Places searched for the bundled file ``name``, in order: ament prefixes, this Python's prefix, the source
    tree."""
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    installed = [Path(p) / "share" / "smat_ros" / "weights" / name for p in prefixes]
    return installed + [Path(__file__).resolve().parent.parent / "weights" / name]


def find_demo_weights(candidates: list[Path] | None = None) -> Path | None:
    """The first existing demo weights file, or None when none is installed."""
    for path in demo_weights_candidates() if candidates is None else candidates:
        if path.is_file():
            return path
    return None


def demo_weights(reason: str, warn: Callable[[str], object]) -> Path:
    """The installed demo weights, after ``warn("<reason>: using the demo weights ...")`` says what they are;
    CheckpointError starting with ``reason`` when they are not installed."""
    path = find_demo_weights()
    if path is None:
        raise CheckpointError(f"{reason} and the demo weights are not installed")
    warn(f"{reason}: using the demo weights {path} (a small network trained offline, not the paper's tracker; "
         "see weights/MODEL_CARD.md)")
    return path


def demo_association() -> Path:
    """The installed association model fitted with the demo weights; DataFileError when it is not installed."""
    path = find_demo_weights(demo_weights_candidates(DEMO_ASSOCIATION_NAME))
    if path is None:
        raise DataFileError(f"the bundled association model {DEMO_ASSOCIATION_NAME} is not installed: set "
                            "association_model to a file written by scripts/fit_association.py")
    return path
