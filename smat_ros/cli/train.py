"""smat-train: train SMAT from a YAML config on tracking datasets (single process or under torchrun)."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from smat_ros.cli.common import add_logging_argument, import_extra, run_cli
from smat_ros.config import load_yaml
from smat_ros.errors import DataFileError
from smat_ros.train.config import TrainConfig

log = logging.getLogger("smat-train")


def build_parser() -> argparse.ArgumentParser:
    """Arguments of smat-train."""
    parser = argparse.ArgumentParser(
        prog="smat-train",
        description="Train SMAT. Config keys and defaults: smat_ros/train/config.py (the reference's "
        "mobilevitv2_256_128x1_ep300); dataset roots in the config are relative to --data-root. "
        "Multi-GPU / multi-node: launch with torchrun (e.g. torchrun --nproc_per_node 4 -m smat_ros.cli.train ...).",
    )
    parser.add_argument("--config", type=Path, required=True, help="training YAML (see config/train_*.yaml)")
    parser.add_argument("--data-root", type=Path, required=True, help="folder the config's dataset roots are under")
    parser.add_argument("--output", type=Path, required=True, help="folder for checkpoints/ and logs/")
    parser.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --output")
    parser.add_argument("--device", default="auto", help="auto (CUDA when available), cpu, cuda or cuda:N")
    add_logging_argument(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Load the config, check the data root and train."""
    config = load_yaml(TrainConfig, args.config)
    if not args.data_root.is_dir():
        raise DataFileError(f"--data-root folder not found: {args.data_root}")
    train = import_extra("smat_ros.train.loop", "train").train  # torch, matplotlib: not needed for --help
    result = train(config, args.data_root, args.output, device=args.device, resume=args.resume)
    log.info("finished epoch %d (step %d); last checkpoint: %s", result.epoch, result.step, result.last_checkpoint)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    return run_cli("smat-train", run, build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
