"""Template/search pair sampling from tracking sequences, as the reference's causal ``TrackingSampler``.

A dataset is drawn by its ratio, then a sequence with enough visible frames, then a visible base (template)
frame and a visible search frame after it within ``max_gap`` frames (the window widens by 5 until a visible frame
is found). Image datasets repeat their single frame. Every draw comes from a generator seeded by
``(seed, epoch, index)``, so sample ``index`` of an epoch is the same whichever process or worker draws it: this
is what makes resumed and data-parallel runs reproducible.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import torch

from smat_ros.train.datasets import DatasetError, SequenceInfo, TrackingDataset

log = logging.getLogger(__name__)

MIN_SEQUENCE_LENGTH = 20
GAP_INCREASE = 5
MAX_SEQUENCE_DRAWS = 1000
MAX_PAIR_DRAWS = 100

Processing = Callable[[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray], np.random.Generator],
                      "dict[str, torch.Tensor] | None"]


def sample_visible_ids(visible: np.ndarray, rng: np.random.Generator, count: int = 1,
                       min_id: int | None = None, max_id: int | None = None) -> list[int] | None:
    """Draw ``count`` visible frame ids (with replacement) from ``[min_id, max_id)``; None if none is visible."""
    if count == 0:
        return []
    low = 0 if min_id is None or min_id < 0 else min_id
    high = len(visible) if max_id is None or max_id > len(visible) else max_id
    candidates = np.flatnonzero(visible[low:high]) + low if high > low else np.empty(0, dtype=np.int64)
    if len(candidates) == 0:
        return None
    return [int(i) for i in rng.choice(candidates, size=count)]


def causal_frame_ids(visible: np.ndarray, max_gap: int, rng: np.random.Generator, num_template: int = 1,
                     num_search: int = 1) -> tuple[list[int], list[int]] | None:
    """Template ids (base first) and later search ids within the gap, all visible; None if the sequence has none."""
    gap_increase = 0
    while gap_increase <= len(visible) + max_gap:
        base = sample_visible_ids(visible, rng, 1, min_id=num_template - 1, max_id=len(visible) - num_search)
        if base is None:
            return None
        previous = sample_visible_ids(visible, rng, num_template - 1, min_id=base[0] - max_gap - gap_increase,
                                      max_id=base[0])
        if previous is not None:
            template_ids = base + previous
            search_ids = sample_visible_ids(visible, rng, num_search, min_id=template_ids[0] + 1,
                                            max_id=template_ids[0] + max_gap + gap_increase)
            if search_ids is not None:
                return template_ids, search_ids
        gap_increase += GAP_INCREASE
    return None


def has_enough_frames(visible: np.ndarray, is_video: bool, num_frames: int) -> bool:
    """Whether a sequence can give a pair: for videos at least 20 frames and more than 2x``num_frames`` visible."""
    if not is_video:
        return bool(visible.any())
    return len(visible) >= MIN_SEQUENCE_LENGTH and int(visible.sum()) > 2 * num_frames


class PairSampler(torch.utils.data.Dataset):
    """Map-style dataset of ``samples_per_epoch`` processed template/search pairs drawn at random."""

    def __init__(self, datasets: Sequence[TrackingDataset], ratios: Sequence[float], samples_per_epoch: int,
                 max_gap: int, processing: Processing, seed: int = 0, num_template: int = 1,
                 num_search: int = 1) -> None:
        """Keep the sources and their normalised draw probabilities."""
        if not datasets or len(datasets) != len(ratios):
            raise DatasetError("PairSampler needs one ratio per dataset and at least one dataset")
        self.datasets = list(datasets)
        total = float(sum(ratios))
        self.probabilities = np.asarray([r / total for r in ratios])
        self.samples_per_epoch = samples_per_epoch
        self.max_gap = max_gap
        self.processing = processing
        self.seed = seed
        self.num_template = num_template
        self.num_search = num_search
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose samples ``__getitem__`` returns."""
        self.epoch = epoch

    def __len__(self) -> int:
        """Samples per epoch."""
        return self.samples_per_epoch

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        """The processed pair number ``index`` of the current epoch."""
        rng = np.random.default_rng([self.seed, self.epoch, index])
        for _ in range(MAX_PAIR_DRAWS):
            sample = self._draw(rng)
            if sample is not None:
                return sample
        raise DatasetError(f"no valid training pair in {MAX_PAIR_DRAWS} draws: boxes too small or outside frames?")

    def _draw(self, rng: np.random.Generator) -> dict[str, torch.Tensor] | None:
        """One attempt: pick frames, load them and process them; None when the processed pair is not valid."""
        dataset = self.datasets[int(rng.choice(len(self.datasets), p=self.probabilities))]
        seq_id, info = self._sequence(dataset, rng)
        if dataset.is_video:
            ids = causal_frame_ids(info.visible, self.max_gap, rng, self.num_template, self.num_search)
            if ids is None:
                return None
            template_ids, search_ids = ids
        else:
            template_ids, search_ids = [0] * self.num_template, [0] * self.num_search
        template_frames = [dataset.frame(seq_id, i) for i in template_ids]
        search_frames = [dataset.frame(seq_id, i) for i in search_ids]
        template_boxes = [info.boxes[i] for i in template_ids]
        search_boxes = [info.boxes[i] for i in search_ids]
        return self.processing(template_frames, template_boxes, search_frames, search_boxes, rng)

    def _sequence(self, dataset: TrackingDataset, rng: np.random.Generator) -> tuple[int, SequenceInfo]:
        """Draw a sequence with enough visible frames (see :func:`has_enough_frames`)."""
        for _ in range(MAX_SEQUENCE_DRAWS):
            seq_id = int(rng.integers(len(dataset)))
            info = dataset.sequence_info(seq_id)
            if has_enough_frames(info.visible, dataset.is_video, self.num_template + self.num_search):
                return seq_id, info
        raise DatasetError(
            f"dataset {dataset.name}: no usable sequence in {MAX_SEQUENCE_DRAWS} draws (videos need "
            f">= {MIN_SEQUENCE_LENGTH} frames and > {2 * (self.num_template + self.num_search)} visible frames)")
