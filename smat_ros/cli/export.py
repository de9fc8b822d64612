"""smat-export: write SMAT's template and tracking graphs as ONNX files for onnxruntime or TensorRT."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from smat_ros.checkpoint import load_weights
from smat_ros.cli.common import add_logging_argument, run_cli
from smat_ros.export import OnnxGraphs, export_graphs, write_graphs
from smat_ros.model import SMAT

log = logging.getLogger("smat-export")


def build_parser() -> argparse.ArgumentParser:
    """Arguments of smat-export."""
    parser = argparse.ArgumentParser(
        prog="smat-export", description="Export SMAT for deployment (static shapes, checked with onnx's checker)."
    )
    formats = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
    onnx = formats.add_parser(
        "onnx",
        help="template.onnx and tracking.onnx",
        description="Write template.onnx (template crop -> cached features) and tracking.onnx (features + search "
        "crop -> score, size and offset maps) into --output. Build TensorRT engines from these files.",
    )
    onnx.add_argument("--checkpoint", required=True, type=Path, help="official .pth.tar, state_dict or .safetensors")
    onnx.add_argument("--output", required=True, type=Path, help="directory to write the two .onnx files into")
    onnx.add_argument(
        "--no-verify", action="store_true", help="skip comparing onnxruntime's outputs with torch's on random crops"
    )
    add_logging_argument(onnx)
    return parser


def verify(model: SMAT, graphs: OnnxGraphs) -> float:
    """Largest absolute difference between onnxruntime (CPU) and torch maps on one random template/search pair."""
    from smat_ros.backends import BackendOptions
    from smat_ros.backends.onnxruntime_backend import OnnxRuntimeBackend
    from smat_ros.backends.torch_backend import TorchBackend

    rng = np.random.default_rng(0)
    template = rng.integers(0, 256, (model.config.template_size, model.config.template_size, 3), dtype=np.uint8)
    search = rng.integers(0, 256, (model.config.search_size, model.config.search_size, 3), dtype=np.uint8)
    backends = [TorchBackend(model, torch.device("cpu"), BackendOptions(graph="eager")),
                OnnxRuntimeBackend(graphs, BackendOptions(provider="cpu"))]
    maps = [backend.track(backend.template_features(template), search) for backend in backends]
    return max(float((a - b).abs().max()) for a, b in zip(vars(maps[0]).values(), vars(maps[1]).values(), strict=True))


def export_onnx(args: argparse.Namespace) -> int:
    """Load the checkpoint, export, check, optionally verify, write."""
    steps = tqdm(total=3 if args.no_verify else 4, unit="step", desc="smat-export onnx")
    with steps:
        model = SMAT()
        load_weights(model, args.checkpoint)
        model.eval()
        steps.update()
        graphs = export_graphs(model)
        steps.update()
        if not args.no_verify:
            log.info("onnxruntime vs torch: max abs difference %.2e", verify(model, graphs))
            steps.update()
        template_path, tracking_path = write_graphs(graphs, args.output)
        steps.update()
    print(template_path)
    print(tracking_path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    return run_cli("smat-export", export_onnx, build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
