"""The training loop: AdamW with a 0.1x backbone learning rate, per-epoch step decay, gradient clipping, AMP on
CUDA, torch DDP under torchrun, periodic checkpoints and bit-exact resume.

Reproducibility: the model is initialised from ``config.seed``; every training pair is a function of
``(seed, epoch, index)`` (see :mod:`smat_ros.train.sampler`); optimizer, scheduler, scaler and generator states
are checkpointed. Resuming from epoch k therefore replays exactly the steps an uninterrupted run takes after k
(on the same device type and process count).
"""
from __future__ import annotations

import dataclasses
import logging
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from smat_ros.checkpoint import load_weights
from smat_ros.config import to_dict
from smat_ros.device import resolve_device
from smat_ros.errors import TrainingError
from smat_ros.model import SMAT
from smat_ros.train.checkpoints import (
    latest_checkpoint,
    load_training_checkpoint,
    restore_rng_state,
    save_training_checkpoint,
)
from smat_ros.train.config import OptimConfig, TrainConfig
from smat_ros.train.distributed import DistInfo, init_distributed, mean_across_ranks, shutdown_distributed
from smat_ros.train.loader import build_loader, build_pair_sampler
from smat_ros.train.losses import TrackingLoss
from smat_ros.train.metrics import MetricsLog
from smat_ros.train.paths import resolve_path
from smat_ros.train.pretrained import load_pretrained_backbone
from smat_ros.train.sampler import PairSampler

log = logging.getLogger(__name__)

VAL_SEED_OFFSET = 1_000_003


@dataclasses.dataclass
class TrainResult:
    """What a finished run leaves: the model, per-epoch metrics and the last checkpoint written."""

    model: SMAT
    history: list[dict[str, float]]
    last_checkpoint: Path | None
    epoch: int
    step: int


def build_optimizer(model: torch.nn.Module, optim: OptimConfig) -> torch.optim.AdamW:
    """AdamW over two groups: non-backbone parameters at ``lr``, backbone parameters at ``lr * multiplier``."""
    head = [p for n, p in model.named_parameters() if "backbone" not in n and p.requires_grad]
    backbone = [p for n, p in model.named_parameters() if "backbone" in n and p.requires_grad]
    groups = [{"params": head}, {"params": backbone, "lr": optim.lr * optim.backbone_lr_multiplier}]
    return torch.optim.AdamW(groups, lr=optim.lr, weight_decay=optim.weight_decay)


def build_scheduler(optimizer: torch.optim.Optimizer, optim: OptimConfig) -> torch.optim.lr_scheduler.StepLR:
    """Multiply every learning rate by ``lr_decay_rate`` each ``lr_drop_epoch`` epochs (stepped per epoch)."""
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=optim.lr_drop_epoch, gamma=optim.lr_decay_rate)


def _device_for_rank(device: str, info: DistInfo) -> torch.device:
    """The device of this process: ``cuda:<local_rank>`` for multi-process CUDA runs."""
    resolved = resolve_device(device)
    if resolved.type == "cuda" and info.enabled:
        resolved = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(resolved)
    return resolved


class Trainer:
    """One training run writing to ``output`` (see :func:`train`)."""

    def __init__(self, config: TrainConfig, data_root: Path, output: Path, device: str = "auto",
                 resume: bool = False) -> None:
        """Set up process group, model, optimiser, data and logs; load the latest checkpoint when resuming."""
        self.config = config
        self.output = Path(output)
        self.checkpoints = self.output / "checkpoints"
        self.dist = init_distributed(resolve_device(device))
        self.device = _device_for_rank(device, self.dist)
        self.use_amp = config.optim.amp and self.device.type == "cuda"
        if config.optim.amp and not self.use_amp:
            log.warning("optim.amp is for CUDA only; training in float32 on %s", self.device)
        torch.manual_seed(config.seed)
        self.model = SMAT(config.model)
        self.optimizer = build_optimizer(self.model, config.optim)
        self.scheduler = build_scheduler(self.optimizer, config.optim)
        self.scaler = torch.amp.GradScaler("cuda") if self.use_amp else None
        self.epoch, self.step = 0, 0
        self.history: list[dict[str, float]] = []
        self.last_checkpoint: Path | None = None
        if resume:
            self._resume()
        else:
            self._check_fresh_output()
            if config.pretrained_backbone:
                load_pretrained_backbone(self.model, resolve_path(data_root, config.pretrained_backbone))
            if config.init_checkpoint:
                init_path = resolve_path(data_root, config.init_checkpoint)
                load_weights(self.model, init_path)
        self.model.to(self.device)
        _move_optimizer_state(self.optimizer, self.device)
        self.net: torch.nn.Module = self.model
        if self.dist.enabled:
            device_ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=device_ids)
        self.loss = TrackingLoss(config.loss, config.model.search_size, config.model.stride)
        self.train_pairs = build_pair_sampler(config.data.train, config.data, data_root,
                                              config.data.samples_per_epoch, config.seed)
        self.val_pairs = (build_pair_sampler(config.data.val, config.data, data_root,
                                             config.data.val_samples_per_epoch, config.seed + VAL_SEED_OFFSET)
                          if config.data.val else None)
        self.metrics = MetricsLog(self.output, self.epoch) if self.dist.is_main else None

    def _check_fresh_output(self) -> None:
        """Refuse to overwrite the checkpoints of an earlier run."""
        if latest_checkpoint(self.checkpoints) is not None:
            raise TrainingError(f"{self.checkpoints} already holds checkpoints: pass --resume to continue that run "
                                "or choose another --output")

    def _resume(self) -> None:
        """Load model, optimiser, scheduler, scaler, generator states and counters from the latest checkpoint."""
        path = latest_checkpoint(self.checkpoints)
        if path is None:
            raise TrainingError(f"--resume: no checkpoint_ep*.pth.tar in {self.checkpoints}")
        state = load_training_checkpoint(path)
        if state["config"] != to_dict(self.config):
            log.warning("resuming %s with a configuration that differs from the saved one", path)
        self.model.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scheduler.step_size = self.config.optim.lr_drop_epoch  # a resumed run may move the drop
        self.scheduler.gamma = self.config.optim.lr_decay_rate
        if self.scaler is not None and state["scaler"] is not None:
            self.scaler.load_state_dict(state["scaler"])
        restore_rng_state(state["rng"])
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.last_checkpoint = path
        log.info("resumed from %s (epoch %d, step %d)", path, self.epoch, self.step)

    def _autocast(self) -> Any:
        """float16 autocast on CUDA when AMP is on, else nothing."""
        return torch.autocast("cuda", dtype=torch.float16) if self.use_amp else nullcontext()

    def _loader(self, pairs: PairSampler, epoch: int) -> torch.utils.data.DataLoader:
        """This rank's loader over ``pairs`` for ``epoch``."""
        pairs.set_epoch(epoch)
        return build_loader(pairs, self.config.optim.batch_size, self.dist.rank, self.dist.world_size,
                            self.config.data.num_workers)

    def _optimise(self, loss: torch.Tensor) -> None:
        """Backward, clip the gradient norm, step (through the scaler with AMP)."""
        clip = self.config.optim.grad_clip_norm
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            if clip > 0:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
            self.optimizer.step()
            return
        self.scaler.scale(loss).backward()
        if clip > 0:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()

    def _run_batches(self, loader: torch.utils.data.DataLoader, training: bool, desc: str) -> dict[str, float]:
        """One pass over ``loader``; returns the mean loss terms over this rank's batches."""
        self.net.train(training)
        totals: dict[str, float] = {}
        batches = 0
        bar = tqdm(loader, desc=desc, disable=not self.dist.is_main, dynamic_ncols=True, leave=False)
        with torch.set_grad_enabled(training):
            for batch in bar:
                template = batch["template"].to(self.device, non_blocking=True)
                search = batch["search"].to(self.device, non_blocking=True)
                boxes = batch["search_box"].to(self.device, non_blocking=True)
                with self._autocast():
                    outputs = self.net(template, search)
                terms = self.loss(outputs, boxes)
                if training:
                    self._optimise(terms.total)
                    self.step += 1
                values = terms.as_dict()
                for key, value in values.items():
                    totals[key] = totals.get(key, 0.0) + value
                batches += 1
                bar.set_postfix(loss=f"{values['loss']:.3f}", iou=f"{values['iou']:.2f}")
                if training and self.metrics is not None and self.step % self.config.print_interval == 0:
                    self.metrics.log_step(self.step, values)
        return {k: v / max(batches, 1) for k, v in totals.items()}

    def run_epoch(self, epoch: int) -> dict[str, float]:
        """Train one epoch (and validate when due); log it and checkpoint it on rank 0."""
        started = time.monotonic()
        lr, backbone_lr = (group["lr"] for group in self.optimizer.param_groups)
        train_terms = self._run_batches(self._loader(self.train_pairs, epoch), True,
                                        f"epoch {epoch}/{self.config.optim.epochs}")
        record = {"step": float(self.step), "lr": lr, "backbone_lr": backbone_lr,
                  **mean_across_ranks(train_terms, self.dist, self.device)}
        self.scheduler.step()
        if self.val_pairs is not None and epoch % self.config.val_epoch_interval == 0:
            val_terms = self._run_batches(self._loader(self.val_pairs, epoch), False, f"val {epoch}")
            record.update({f"val_{k}": v for k, v in mean_across_ranks(val_terms, self.dist, self.device).items()})
        record["seconds"] = time.monotonic() - started
        self.epoch = epoch
        self.history.append(record)
        if self.metrics is not None:
            self.metrics.log_epoch(epoch, record)
            if epoch % self.config.checkpoint_interval == 0 or epoch == self.config.optim.epochs:
                self.last_checkpoint = save_training_checkpoint(
                    self.checkpoints, self.config, self.model, self.optimizer, self.scheduler, self.scaler,
                    epoch, self.step)
        log.info("epoch %d: loss %.4f iou %.3f lr %.2e (%.0f s)", epoch, record["loss"], record["iou"], lr,
                 record["seconds"])
        return record

    def run(self) -> TrainResult:
        """Train from the current epoch to ``optim.epochs``; always leaves the process group."""
        try:
            for epoch in range(self.epoch + 1, self.config.optim.epochs + 1):
                self.run_epoch(epoch)
        finally:
            if self.metrics is not None:
                self.metrics.close()
            shutdown_distributed()
        return TrainResult(self.model, self.history, self.last_checkpoint, self.epoch, self.step)


def _move_optimizer_state(optimizer: torch.optim.Optimizer, device: torch.device) -> None:
    """Put loaded optimiser state tensors (except step counters) on ``device``."""
    for state in optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and key != "step":
                state[key] = value.to(device)


def train(config: TrainConfig, data_root: str | Path, output: str | Path, device: str = "auto",
          resume: bool = False) -> TrainResult:
    """Train SMAT as configured; checkpoints and logs go to ``output`` (rank 0 only under torchrun)."""
    return Trainer(config, Path(data_root), Path(output), device, resume).run()
