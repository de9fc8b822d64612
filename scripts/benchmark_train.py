#!/usr/bin/env python3
"""Training speed: optimisation steps per second of SMAT (data loading + forward + backward + AdamW step) at
given batch sizes, on a synthetic GOT-10k-layout dataset written to a temporary folder.

    python scripts/benchmark_train.py --batch-sizes 2 128 --steps 3 --threads 1 --device cpu

The first step of each batch size is a warm-up and is not timed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from smat_ros.device import resolve_device
from smat_ros.model import SMAT
from smat_ros.train.config import DataConfig, DatasetConfig, TrainConfig
from smat_ros.train.loader import build_loader, build_pair_sampler
from smat_ros.train.loop import build_optimizer
from smat_ros.train.losses import TrackingLoss
from smat_ros.train.synthetic import SyntheticConfig, write_got10k


def measure(batch_size: int, steps: int, data_root: Path, device: torch.device, amp: bool) -> tuple[float, float]:
    """(steps/s, share of time spent loading data) over ``steps`` timed steps after one warm-up step."""
    config = TrainConfig()
    data = DataConfig(train=(DatasetConfig(kind="got10k", root="train"),), val=(),
                      samples_per_epoch=batch_size * (steps + 1), num_workers=0)
    pairs = build_pair_sampler(data.train, data, data_root, data.samples_per_epoch, seed=0)
    loader = build_loader(pairs, batch_size, 0, 1, 0)
    model = SMAT(config.model).to(device).train()
    optimizer = build_optimizer(model, config.optim)
    loss_fn = TrackingLoss(config.loss, config.model.search_size, config.model.stride)
    scaler = torch.amp.GradScaler("cuda") if amp else None
    data_time = compute_time = 0.0
    started = time.perf_counter()
    for index, batch in enumerate(loader):
        loaded = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            outputs = model(batch["template"].to(device), batch["search"].to(device))
        loss = loss_fn(outputs, batch["search_box"].to(device)).total
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.optim.grad_clip_norm)
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.optim.grad_clip_norm)
            scaler.step(optimizer)
            scaler.update()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        finished = time.perf_counter()
        if index > 0:
            data_time += loaded - started
            compute_time += finished - loaded
        started = time.perf_counter()
    return steps / (data_time + compute_time), data_time / (data_time + compute_time)


def main() -> int:
    """Parse arguments, write the data, print one line per batch size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[2, 128])
    parser.add_argument("--steps", type=int, default=3, help="timed steps per batch size")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (CPU)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", action="store_true", help="float16 autocast (CUDA only)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    if args.amp and device.type != "cuda":
        print("error: --amp needs a CUDA device", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_got10k(root / "train", SyntheticConfig(sequences=6, frames=30), seed=0)
        for batch_size in args.batch_sizes:
            rate, data_share = measure(batch_size, args.steps, root, device, args.amp)
            print(f"device={device} threads={args.threads} amp={args.amp} batch={batch_size}: "
                  f"{rate:.4f} steps/s ({rate * batch_size:.1f} pairs/s), data loading {100 * data_share:.0f}%",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
