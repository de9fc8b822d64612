"""smat-convert: any supported checkpoint -> safetensors with our parameter names."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from smat_ros.checkpoint import convert
from smat_ros.cli.common import add_logging_argument, run_cli

log = logging.getLogger("smat-convert")


def build_parser() -> argparse.ArgumentParser:
    """Arguments of smat-convert."""
    parser = argparse.ArgumentParser(
        prog="smat-convert",
        description="Convert an official SMAT .pth.tar (or a state_dict / safetensors file) to safetensors. "
        "Nothing from the input file is executed.",
    )
    parser.add_argument("input", type=Path, help="checkpoint to read")
    parser.add_argument("output", type=Path, help="safetensors file to write")
    add_logging_argument(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Convert and report."""
    count = convert(args.input, args.output)
    log.info("converted %s -> %s (%d tensors)", args.input, args.output, count)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    return run_cli("smat-convert", run, build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
