"""The training loop on a tiny synthetic GOT-10k-layout dataset: loss falls, checkpoints load into the tracker,
resume replays the uninterrupted run bit for bit."""
from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros import Tracker
from smat_ros.backends import BackendOptions
from smat_ros.checkpoint import load_state_dict
from smat_ros.train.config import DataConfig, DatasetConfig, OptimConfig, TrainConfig
from smat_ros.train.loop import Trainer, TrainingError, train
from smat_ros.video import read_image


def tiny_config(samples: int, epochs: int, lr_drop_epoch: int = 100, lr: float = 1e-3) -> TrainConfig:
    """Batch 2 on the synthetic set, no validation, single-process loading, checkpoint every epoch."""
    data = DataConfig(train=(DatasetConfig(kind="got10k", root="got10k/train"),), val=(), samples_per_epoch=samples,
                      num_workers=0)
    optim = OptimConfig(batch_size=2, epochs=epochs, lr=lr, backbone_lr_multiplier=1.0, lr_drop_epoch=lr_drop_epoch)
    return TrainConfig(data=data, optim=optim, checkpoint_interval=1, print_interval=1, seed=3)


def test_smoke_loss_falls_and_checkpoint_tracks(synthetic_root: Path, tmp_path: Path) -> None:
    """24 CPU steps lower the loss clearly; logs, curve and both weight files exist; the tracker loads them."""
    out = tmp_path / "run"
    result = train(tiny_config(samples=12, epochs=4), synthetic_root, out, device="cpu")
    losses = [record["loss"] for record in result.history]
    assert result.step == 24 and len(losses) == 4
    assert losses[-1] < 0.7 * losses[0], losses
    with (out / "logs" / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert np.isclose(float(rows[-1]["loss"]), losses[-1], rtol=1e-4)
    assert (out / "logs" / "loss_curve.png").stat().st_size > 1000
    assert len(list((out / "logs" / "tensorboard").glob("events.out.tfevents.*"))) == 1
    checkpoint = out / "checkpoints" / "checkpoint_ep0004.pth.tar"
    weights = out / "checkpoints" / "smat_ep0004.safetensors"
    assert result.last_checkpoint == checkpoint
    saved = load_state_dict(weights)
    assert all(torch.equal(saved[k], v) for k, v in result.model.state_dict().items())
    frame = read_image(synthetic_root / "got10k" / "train" / "SYN_000001" / "00000001.jpg")
    box = [float(v) for v in
           (synthetic_root / "got10k" / "train" / "SYN_000001" / "groundtruth.txt").read_text().split()[0].split(",")]
    trained = Tracker(result.model, device="cpu", options=BackendOptions(graph="eager"))
    trained.initialize(frame, box)
    expected = trained.track(frame)
    for path in (checkpoint, weights):
        tracker = Tracker.from_checkpoint(path, device="cpu", options=BackendOptions(graph="eager"))
        tracker.initialize(frame, box)
        assert tracker.track(frame) == expected  # the files hold exactly the trained network


def test_resume_is_bit_exact(synthetic_root: Path, tmp_path: Path) -> None:
    """Stopping after epoch 1 and resuming gives the same weights, step and learning rate as running through."""
    config = tiny_config(samples=4, epochs=2, lr_drop_epoch=1)
    straight = train(config, synthetic_root, tmp_path / "straight", device="cpu")
    interrupted = Trainer(config, synthetic_root, tmp_path / "resumed", device="cpu")
    interrupted.run_epoch(1)
    interrupted.metrics.close()
    resumed = Trainer(config, synthetic_root, tmp_path / "resumed", device="cpu", resume=True)
    assert (resumed.epoch, resumed.step) == (1, 2)
    assert [g["lr"] for g in resumed.optimizer.param_groups] == pytest.approx([1e-4, 1e-4])
    result = resumed.run()
    assert result.history[0]["lr"] == straight.history[1]["lr"]
    assert result.history[0]["loss"] == straight.history[1]["loss"]
    final, reference = result.model.state_dict(), straight.model.state_dict()
    assert all(torch.equal(final[k], reference[k]) for k in reference)
    with (tmp_path / "resumed" / "logs" / "metrics.csv").open() as handle:
        assert [r["epoch"] for r in csv.DictReader(handle)] == ["1", "2"]


def test_resume_moves_the_learning_rate_drop(synthetic_root: Path, tmp_path: Path) -> None:
    """A resumed run with a longer schedule and an earlier drop uses the new drop epoch."""
    config = tiny_config(samples=2, epochs=1, lr_drop_epoch=10)
    train(config, synthetic_root, tmp_path / "run", device="cpu")
    longer = dataclasses.replace(config, optim=dataclasses.replace(config.optim, epochs=3, lr_drop_epoch=2))
    result = train(longer, synthetic_root, tmp_path / "run", device="cpu", resume=True)
    assert [r["lr"] for r in result.history] == pytest.approx([1e-3, 1e-4])


def test_output_and_resume_guards(synthetic_root: Path, tmp_path: Path) -> None:
    """A new run refuses a folder with checkpoints; --resume refuses a folder without."""
    with pytest.raises(TrainingError, match="no checkpoint"):
        train(tiny_config(samples=2, epochs=1), synthetic_root, tmp_path / "empty", device="cpu", resume=True)
    (tmp_path / "used" / "checkpoints").mkdir(parents=True)
    (tmp_path / "used" / "checkpoints" / "checkpoint_ep0003.pth.tar").write_bytes(b"x")
    with pytest.raises(TrainingError, match="--resume"):
        train(tiny_config(samples=2, epochs=1), synthetic_root, tmp_path / "used", device="cpu")
