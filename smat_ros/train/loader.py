"""Batches of training pairs: the pair sampler over the configured datasets, split across data-parallel ranks."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Sampler

from smat_ros.train.config import DataConfig, DatasetConfig
from smat_ros.train.datasets import build_dataset
from smat_ros.train.processing import PairProcessing
from smat_ros.train.sampler import PairSampler


class RankIndices(Sampler[int]):
    """Sample indices ``rank, rank + world, ...`` of an epoch, trimmed so every rank gets the same count."""

    def __init__(self, num_samples: int, rank: int, world_size: int) -> None:
        """Keep the epoch length and this rank's place."""
        self.per_rank = num_samples // world_size
        self.rank = rank
        self.world_size = world_size

    def __iter__(self) -> Iterator[int]:
        """This rank's indices in order."""
        return iter(range(self.rank, self.per_rank * self.world_size, self.world_size))

    def __len__(self) -> int:
        """Indices per rank."""
        return self.per_rank


def build_pair_sampler(sources: Sequence[DatasetConfig], data: DataConfig, data_root: Path, samples: int,
                       seed: int) -> PairSampler:
    """Pair sampler over ``sources`` (roots relative to ``data_root``) with the reference's processing."""
    datasets = [build_dataset(source, data_root) for source in sources]
    return PairSampler(datasets, [s.ratio for s in sources], samples, data.max_sample_interval,
                       PairProcessing(data), seed=seed)


def _single_thread_worker(_: int) -> None:
    """Keep each loader worker to one intra-op thread."""
    torch.set_num_threads(1)


def build_loader(sampler: PairSampler, batch_size: int, rank: int, world_size: int,
                 num_workers: int) -> DataLoader:
    """Loader of full batches of this rank's share of the sampler's epoch."""
    return DataLoader(sampler, batch_size=batch_size, sampler=RankIndices(len(sampler), rank, world_size),
                      num_workers=num_workers, drop_last=True, worker_init_fn=_single_thread_worker,
                      persistent_workers=False)
