"""Typed training configuration; defaults are the reference's ``mobilevitv2_256_128x1_ep300`` experiment.

A YAML file maps onto :class:`TrainConfig` with :func:`smat_ros.config.load_yaml`; unknown keys are errors.
Dataset roots are relative to the ``--data-root`` given to ``smat-train`` (absolute paths are kept as they are).
"""
from __future__ import annotations

import dataclasses

from smat_ros.config import ConfigError, ModelConfig

DATASET_KINDS = ("got10k", "lasot", "trackingnet", "coco", "folder")


@dataclasses.dataclass(frozen=True)
class CropConfig:
    """One crop branch (template or search): context factor, output side and the box jitter."""

    factor: float
    size: int
    center_jitter: float
    scale_jitter: float


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """One training source: its layout, its folder and its share of the sampled pairs."""

    kind: str
    root: str
    ratio: float = 1.0
    split_file: str = ""

    def __post_init__(self) -> None:
        """Reject an unknown layout or a non-positive ratio."""
        if self.kind not in DATASET_KINDS:
            raise ConfigError(f"DatasetConfig.kind: {self.kind!r} is not one of {list(DATASET_KINDS)}")
        if self.ratio <= 0:
            raise ConfigError(f"DatasetConfig.ratio: must be > 0, got {self.ratio}")


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """The reference's photometric and flip augmentations (joint = same roll for template and search)."""

    joint_grayscale_probability: float = 0.05
    joint_flip_probability: float = 0.5
    brightness_jitter: float = 0.2
    crop_flip_probability: float = 0.5


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Pair sampling, crops, normalisation and the training sources."""

    template: CropConfig = CropConfig(factor=2.0, size=128, center_jitter=0.0, scale_jitter=0.0)
    search: CropConfig = CropConfig(factor=4.0, size=256, center_jitter=3.0, scale_jitter=0.25)
    max_sample_interval: int = 200
    mean: tuple[float, ...] = (0.0, 0.0, 0.0)
    std: tuple[float, ...] = (1.0, 1.0, 1.0)
    augment: AugmentConfig = AugmentConfig()
    train: tuple[DatasetConfig, ...] = (
        DatasetConfig(kind="lasot", root="lasot"),
        DatasetConfig(kind="got10k", root="got10k/train"),
        DatasetConfig(kind="coco", root="coco"),
        DatasetConfig(kind="trackingnet", root="trackingnet"),
    )
    samples_per_epoch: int = 60000
    val: tuple[DatasetConfig, ...] = (DatasetConfig(kind="got10k", root="got10k/val"),)
    val_samples_per_epoch: int = 10000
    num_workers: int = 5


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    """AdamW, the step learning-rate schedule (per epoch), gradient clipping and mixed precision."""

    batch_size: int = 128
    epochs: int = 300
    lr: float = 0.0004
    backbone_lr_multiplier: float = 0.1
    weight_decay: float = 0.0001
    lr_drop_epoch: int = 240
    lr_decay_rate: float = 0.1
    grad_clip_norm: float = 0.1
    amp: bool = False


@dataclasses.dataclass(frozen=True)
class LossConfig:
    """Weights of the three loss terms."""

    giou_weight: float = 2.0
    l1_weight: float = 5.0
    focal_weight: float = 1.0


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything ``smat-train`` needs besides the data root, the output folder and the device."""

    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    optim: OptimConfig = OptimConfig()
    loss: LossConfig = LossConfig()
    pretrained_backbone: str = ""
    init_checkpoint: str = ""
    checkpoint_interval: int = 10
    val_epoch_interval: int = 1
    seed: int = 0
    print_interval: int = 50

    def __post_init__(self) -> None:
        """Reject settings the loop cannot run with."""
        if self.optim.batch_size < 1:
            raise ConfigError(f"optim.batch_size must be >= 1, got {self.optim.batch_size}")
        if self.optim.epochs < 1:
            raise ConfigError(f"optim.epochs must be >= 1, got {self.optim.epochs}")
        if self.checkpoint_interval < 1:
            raise ConfigError(f"checkpoint_interval must be >= 1, got {self.checkpoint_interval}")
        if not self.data.train:
            raise ConfigError("data.train lists no dataset")
        if self.data.samples_per_epoch < self.optim.batch_size:
            raise ConfigError(
                f"data.samples_per_epoch ({self.data.samples_per_epoch}) is smaller than one batch "
                f"({self.optim.batch_size})")
        if self.data.template.size != self.model.template_size or self.data.search.size != self.model.search_size:
            raise ConfigError("data.template.size / data.search.size must equal model.template_size / search_size")
        if self.pretrained_backbone and self.init_checkpoint:
            raise ConfigError("set pretrained_backbone (ImageNet backbone) or init_checkpoint (full SMAT), not both")
        if len(self.data.mean) != 3 or len(self.data.std) != 3:
            raise ConfigError("data.mean and data.std need 3 values (RGB)")
