"""The benchmarks by name (``--dataset`` of smat-eval): each a layout reader with its split."""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from smat_ros.datasets.base import Layout
from smat_ros.datasets.folder import FolderLayout
from smat_ros.datasets.got10k import Got10kLayout
from smat_ros.datasets.lasot import LasotLayout
from smat_ros.datasets.nfs import NfsLayout
from smat_ros.datasets.otb import OtbLayout
from smat_ros.datasets.trackingnet import TRAIN_CHUNKS, TrackingNetLayout
from smat_ros.datasets.uav123 import Uav123Layout
from smat_ros.errors import DatasetError

DATASETS: dict[str, Callable[[str, str | Path], Layout]] = {
    "got10k_train": functools.partial(Got10kLayout, split="train"),
    "got10k_val": functools.partial(Got10kLayout, split="val"),
    "got10k_test": functools.partial(Got10kLayout, split="test"),
    "lasot": LasotLayout,
    "trackingnet": TrackingNetLayout,
    "trackingnet_train": functools.partial(TrackingNetLayout, chunks=TRAIN_CHUNKS),
    "otb100": OtbLayout,
    "uav123": Uav123Layout,
    "nfs": NfsLayout,
    "folder": FolderLayout,
}


def load_dataset(name: str, root: str | Path) -> Layout:
    """Open benchmark ``name`` at ``root``; unknown names and missing roots are DatasetErrors."""
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset '{name}'; known datasets: {', '.join(DATASETS)}")
    return DATASETS[name](name, root)
