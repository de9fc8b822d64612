#!/usr/bin/env python3
"""Speed benchmark of SMAT backends (not a test): prints one table row per backend x precision x threads.

For every variant it measures, on the frames of a sequence (default: the 60 public vtest_person frames):
start-up (build + first box), template initialization ms, track step ms (crop + network + decode) and fps,
network forward ms (the backend alone on a fixed crop), parameter count, and the largest box difference from the
torch fp32 eager path over the sequence. Variants run interleaved (A B C A B C ...) and medians are reported, so
a busy machine slows all of them alike. With ``--reference DIR`` the official SMAT code (a clone of
github:goutamyg/SMAT, never part of this repository) runs beside them with the same weights, and every row gets
its fps ratio to the reference at the same thread count.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/benchmark.py --threads 2 1 --reference /tmp/ref --markdown t.md

It uses the smat_ros installed in .venv by scripts/setup.sh; to benchmark a modified checkout, prefix PYTHONPATH=. .

Set OMP_WAIT_POLICY=PASSIVE on a CPU shared with other processes: torch's GNU OpenMP threads otherwise spin at every
barrier, and a 2-thread step that takes 65 ms with passive waiting took 3.3 s on a loaded 2-core machine.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np
import torch
from tqdm import tqdm

from smat_ros import Tracker
from smat_ros.backends import BackendError
from smat_ros.checkpoint import load_weights, read_pickled_checkpoint
from smat_ros.crop import sample_target
from smat_ros.model import SMAT
from smat_ros.model.folding import count_parameters
from smat_ros.video import parse_box, read_image

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "test" / "fixtures"
DEFAULT_VARIANTS = ("torch:fp32:eager", "torch:fp32:frozen", "onnxruntime:fp32:cpu", "torch:bf16:frozen")
CUDA_VARIANTS = ("torch:fp32:eager@cuda", "torch:fp16:eager@cuda", "onnxruntime:fp32:cuda@cuda", "onnxruntime:fp16:tensorrt@cuda")
BASELINE = "torch:fp32:eager"
REFERENCE = "reference"


class SequenceTracker(Protocol):
    """What the benchmark drives: ours or the reference, on RGB frames."""

    def initialize(self, frame: np.ndarray, box: Sequence[float]) -> None:
        """Set the target."""

    def track(self, frame: np.ndarray) -> tuple[float, ...]:
        """Return the new box (x, y, w, h)."""


@dataclasses.dataclass
class Variant:
    """One benchmarked configuration and everything measured for it."""

    label: str
    columns: tuple[str, str, str]  # backend, precision, mode (torch graph or onnxruntime provider, @device)
    threads: int
    tracker: SequenceTracker
    forward: Callable[[], object]
    params: int
    startup_s: float
    init_ms: list[float] = dataclasses.field(default_factory=list)
    step_ms: list[float] = dataclasses.field(default_factory=list)
    forward_ms: list[float] = dataclasses.field(default_factory=list)
    boxes: np.ndarray | None = None


class OurTracker:
    """Adapter: smat_ros.Tracker with the benchmark's interface."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def initialize(self, frame: np.ndarray, box: Sequence[float]) -> None:
        """Set the target."""
        self.tracker.initialize(frame, box)

    def track(self, frame: np.ndarray) -> tuple[float, ...]:
        """Return the new box."""
        return tuple(self.tracker.track(frame).box)


def parse_variant(text: str) -> dict[str, Any]:
    """``backend:precision:mode[@device]`` -> Tracker keyword arguments (mode: torch graph or ORT provider)."""
    spec, _, device = text.partition("@")
    parts = spec.split(":")
    if len(parts) != 3:
        raise SystemExit(f"benchmark: error: variant {text!r} is not backend:precision:mode[@device]")
    backend, precision, mode = parts
    options: dict[str, Any] = {"backend": backend, "precision": precision, "device": device or "cpu"}
    options["graph" if backend == "torch" else "provider"] = mode
    return options


def build_ours(model: SMAT, text: str, threads: int, frame: np.ndarray, box: Sequence[float]) -> Variant | None:
    """Build variant ``text`` and time its start-up (construction, template, first step); None if it cannot run."""
    options = parse_variant(text)
    if options["backend"] == "onnxruntime":
        options["threads"] = threads
    start = time.perf_counter()
    try:
        tracker = Tracker(model, **options)
    except (BackendError, ValueError) as exc:
        print(f"skipped {text}: {exc}")
        return None
    tracker.initialize(frame, box)
    tracker.track(frame)
    startup = time.perf_counter() - start
    crops = [sample_target(frame, tuple(box), factor, size)[0] for factor, size in ((2.0, 128), (4.0, 256))]
    features = tracker.backend.template_features(crops[0])
    backend_model = getattr(tracker.backend, "model", None)
    params = count_parameters(backend_model) if backend_model is not None else count_parameters(model)
    mode = str(options.get("graph") or options.get("provider")) + ("" if options["device"] == "cpu" else f" @{options['device']}")
    columns = (options["backend"], options["precision"], mode)
    forward = lambda: tracker.backend.track(features, crops[1])  # noqa: E731
    return Variant(text, columns, threads, OurTracker(tracker), forward, params, startup)


def register_package(name: str, folder: Path) -> None:
    """Import package ``name`` from ``folder`` (its submodules resolve inside it) without touching sys.path."""
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"benchmark: error: cannot import {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def install_reference_shims(reference_dir: Path) -> None:
    """Make the reference code importable here: stubs for modules its tracking path never uses."""

    class EasyDict(dict):
        """Attribute-access dict (the reference's easydict)."""

        def __init__(self, data: dict | None = None, **extra: Any) -> None:
            super().__init__()
            for key, value in {**(data or {}), **extra}.items():
                self[key] = value

        def __setitem__(self, key: str, value: Any) -> None:
            is_plain = isinstance(value, dict) and not isinstance(value, EasyDict)
            super().__setitem__(key, EasyDict(value) if is_plain else value)

        __setattr__ = __setitem__

        def __getattr__(self, key: str) -> Any:
            try:
                return self[key]
            except KeyError:
                raise AttributeError(key) from None

    class Unused:
        """Stand-in for torchvision classes the tracking path never instantiates."""

        def __init__(self, *_: Any, **__: Any) -> None:
            raise RuntimeError("a torchvision stub was called by the reference code")

    def stub(name: str, **attributes: Any) -> None:
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        sys.modules.setdefault(name, module)

    register_package("lib", reference_dir / "lib")  # the reference's top-level package, by path
    stub("torch._six", string_classes=(str, bytes), int_classes=int, inf=float("inf"))  # removed from torch
    stub("easydict", EasyDict=EasyDict)
    for name in ("visdom", "visdom.server", "jpeg4py", "torchvision.transforms", "torchvision.transforms.functional"):
        stub(name)
    stub("torchvision", __version__="0.15.0", _is_tracing=lambda: False)
    stub("torchvision.ops", StochasticDepth=Unused)
    stub("torchvision.ops.boxes", box_area=Unused)
    stub("torchvision.ops.roi_align", RoIAlign=Unused)
    stub("torchvision.ops.misc")


class ReferenceTracker:
    """The official MobileViTv2Track tracker, on CPU, with our fixture checkpoint."""

    def __init__(self, reference_dir: Path, checkpoint: Path) -> None:
        install_reference_shims(reference_dir)
        import lib.test.tracker.mobilevitv2_track as reference_module
        from lib.config.mobilevitv2_track.config import cfg, update_config_from_file
        from lib.models.mobilevit_track.layers.conv_layer import ConvLayer
        from lib.test.utils import TrackerParams

        update_config_from_file(str(reference_dir / "experiments/mobilevitv2_track/mobilevitv2_256_128x1_ep300.yaml"))
        cfg.TEST.DEVICE = "cpu"
        ConvLayer.__repr__ = object.__repr__  # the reference's repr indexes a block that has no [0]
        params = TrackerParams()
        params.cfg = cfg
        params.template_factor, params.template_size = cfg.TEST.TEMPLATE_FACTOR, cfg.TEST.TEMPLATE_SIZE
        params.search_factor, params.search_size = cfg.TEST.SEARCH_FACTOR, cfg.TEST.SEARCH_SIZE
        params.checkpoint, params.save_all_boxes, params.debug = str(checkpoint), False, False
        reference_module.Preprocessor = CpuPreprocessor  # same maths as its CUDA preprocessor, on CPU
        original_load = torch.load
        torch.load = lambda path, *_, **__: read_pickled_checkpoint(Path(path))  # its load needs weights_only=False
        try:
            self.tracker = reference_module.MobileViTv2Track(params, "benchmark")
        finally:
            torch.load = original_load
        self.network = self.tracker.network

    def initialize(self, frame: np.ndarray, box: Sequence[float]) -> None:
        """Set the target."""
        self.tracker.initialize(frame, {"init_bbox": list(box)})

    def track(self, frame: np.ndarray) -> tuple[float, ...]:
        """Return the new box."""
        return tuple(self.tracker.track(frame)["target_bbox"])

    def forward_on(self, frame: np.ndarray, box: Sequence[float]) -> Callable[[], object]:
        """The reference network forward (cached template branch + search crop) on a fixed crop."""
        self.initialize(frame, box)
        search = CpuPreprocessor().process(sample_target(frame, tuple(box), 4.0, 256)[0], None).tensors

        def forward() -> object:
            with torch.no_grad():
                return self.network.forward(template=self.tracker.z_dict1, search=search)

        return forward


class CpuPreprocessor:
    """The reference preprocessing (uint8 HWC -> float NCHW / 255, mean 0, std 1) without ``.cuda()``."""

    def process(self, image: np.ndarray, mask: np.ndarray | None) -> types.SimpleNamespace:
        """Image tensor [1, 3, H, W] and the (unused) mask."""
        tensor = torch.tensor(image).float().permute(2, 0, 1).unsqueeze(0) / 255.0  # [1, 3, H, W]
        mask_tensor = None if mask is None else torch.from_numpy(mask).to(torch.bool).unsqueeze(0)
        return types.SimpleNamespace(tensors=tensor, mask=mask_tensor)


def build_reference(reference_dir: Path, checkpoint: Path, threads: int, frame: np.ndarray, box: Sequence[float]) -> Variant:
    """The reference tracker as a variant (start-up includes building its network)."""
    start = time.perf_counter()
    reference = ReferenceTracker(reference_dir, checkpoint)
    reference.initialize(frame, box)
    reference.track(frame)
    startup = time.perf_counter() - start
    forward = reference.forward_on(frame, box)
    columns = ("reference (official code)", "fp32", "eager")
    return Variant(REFERENCE, columns, threads, reference, forward, count_parameters(reference.network), startup)


def run_sequence(variant: Variant, frames: list[np.ndarray], box: Sequence[float]) -> None:
    """Track the sequence once, appending timings and keeping the boxes."""
    start = time.perf_counter()
    variant.tracker.initialize(frames[0], box)
    variant.init_ms.append((time.perf_counter() - start) * 1e3)
    boxes = [tuple(float(v) for v in box)]
    for frame in frames[1:]:
        start = time.perf_counter()
        boxes.append(variant.tracker.track(frame))
        variant.step_ms.append((time.perf_counter() - start) * 1e3)
    variant.boxes = np.array(boxes)


def time_forward(variant: Variant, repeats: int) -> None:
    """Time the network forward alone ``repeats`` times."""
    for _ in range(repeats):
        start = time.perf_counter()
        variant.forward()
        variant.forward_ms.append((time.perf_counter() - start) * 1e3)


def measure(variants: list[Variant], frames: list[np.ndarray], box: Sequence[float], rounds: int, repeats: int) -> None:
    """Interleave sequence runs and forward timings over ``rounds``, rotating the order each round."""
    for variant in variants:  # warm-up
        variant.forward()
    for round_index in tqdm(range(rounds), desc=f"{variants[0].threads} thread(s)", unit="round"):
        shift = round_index % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            run_sequence(variant, frames, box)
            time_forward(variant, repeats)


def table(variants: list[Variant]) -> str:
    """Markdown table: one row per variant, with fps ratios to the reference at the same thread count."""
    header = (
        "| backend | precision | mode | threads | start-up s | template init ms | track step ms | fps | "
        "forward ms | params | fps / reference | max box dev vs torch fp32 (px) |"
    )
    lines = [header, "|" + "---|" * 12]
    for variant in variants:
        peers = [v for v in variants if v.threads == variant.threads]
        reference = next((v for v in peers if v.label == REFERENCE), None)
        baseline = next((v for v in peers if v.label == BASELINE), None)
        step = statistics.median(variant.step_ms)
        fps = 1e3 / step
        ratio = f"{fps / (1e3 / statistics.median(reference.step_ms)):.2f}x" if reference else "n/a"
        deviation = (
            f"{float(np.abs(variant.boxes - baseline.boxes).max()):.4f}"
            if baseline is not None and variant.boxes is not None and baseline.boxes is not None
            else "n/a"
        )
        backend, precision, mode = variant.columns
        lines.append(
            f"| {backend} | {precision} | {mode} | {variant.threads} | {variant.startup_s:.2f} | "
            f"{statistics.median(variant.init_ms):.1f} | {step:.1f} | {fps:.1f} | "
            f"{statistics.median(variant.forward_ms):.1f} | {variant.params / 1e6:.3f}M | {ratio} | {deviation} |"
        )
    return "\n".join(lines)


def save_variants(variants: list[Variant], path: Path) -> None:
    """Write the measurements of ``variants`` as JSON (for --isolate)."""
    rows = [
        {
            "label": v.label, "columns": v.columns, "threads": v.threads, "params": v.params, "startup_s": v.startup_s,
            "init_ms": v.init_ms, "step_ms": v.step_ms, "forward_ms": v.forward_ms,
            "boxes": None if v.boxes is None else v.boxes.tolist(),
        }
        for v in variants
    ]
    path.write_text(json.dumps(rows))


def load_variants(path: Path) -> list[Variant]:
    """Measurements written by :func:`save_variants` (no tracker attached)."""
    return [
        Variant(row["label"], tuple(row["columns"]), row["threads"], None, None, row["params"], row["startup_s"],  # type: ignore[arg-type]
                row["init_ms"], row["step_ms"], row["forward_ms"],
                None if row["boxes"] is None else np.array(row["boxes"]))
        for row in json.loads(path.read_text())
    ]


def run_isolated(args: argparse.Namespace, variant_names: list[str]) -> list[Variant]:
    """Every (threads, variant) in a process of its own, one pass per round, alternating; measurements merged."""
    jobs = [(threads, name) for threads in args.threads for name in variant_names]
    if args.reference is not None:
        jobs += [(threads, REFERENCE) for threads in args.threads]
    merged: dict[tuple[int, str], Variant] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_index in tqdm(range(args.rounds), desc="isolated rounds", unit="round"):
            shift = round_index % len(jobs)
            for threads, name in jobs[shift:] + jobs[:shift]:
                out = Path(tmp) / "variant.json"
                command = [
                    sys.executable, str(Path(__file__).resolve()), "--threads", str(threads), "--rounds", "1",
                    "--repeats", str(args.repeats), "--checkpoint", str(args.checkpoint),
                    "--sequence", str(args.sequence), "--json", str(out),
                ]
                if name == REFERENCE:
                    command += ["--reference", str(args.reference), "--reference-only"]
                else:
                    command += ["--variants", name]
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                for variant in load_variants(out):
                    key = (variant.threads, variant.label)
                    if key not in merged:
                        merged[key] = variant
                    else:
                        kept = merged[key]
                        kept.init_ms += variant.init_ms
                        kept.step_ms += variant.step_ms
                        kept.forward_ms += variant.forward_ms
    return [merged[key] for key in sorted(merged, key=lambda k: (-k[0], jobs.index(k)))]


def onnxruntime_version() -> str:
    """Installed onnxruntime version, or 'not installed'."""
    try:
        import onnxruntime
    except ImportError:
        return "not installed"
    return onnxruntime.__version__


def build_parser() -> argparse.ArgumentParser:
    """Arguments of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=FIXTURES / "smat_reference" / "checkpoint.pth.tar")
    parser.add_argument("--sequence", type=Path, default=FIXTURES / "vtest_person", help="folder with img/ and init.txt")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU thread counts (default: 1 2)")
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(DEFAULT_VARIANTS),
        help="backend:precision:mode[@device], mode = torch graph (eager, frozen, compiled) or onnxruntime provider; "
        f"default: {' '.join(DEFAULT_VARIANTS)} (plus CUDA variants when CUDA is present)",
    )
    parser.add_argument("--reference", type=Path, help="clone of github:goutamyg/SMAT to run beside ours")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved passes over the sequence (default: 3)")
    parser.add_argument("--repeats", type=int, default=10, help="forward timings per variant per round (default: 10)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--isolate",
        action="store_true",
        help="run every variant in a process of its own, alternating (runtimes in one process disturb each other)",
    )
    parser.add_argument("--reference-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run every variant at every thread count and print the table."""
    args = build_parser().parse_args(argv)
    images = sorted((args.sequence / "img").glob("*.jpg"))
    if not images or not (args.sequence / "init.txt").is_file():
        print(f"benchmark: error: {args.sequence} needs img/*.jpg and init.txt", file=sys.stderr)
        return 1
    if args.reference is not None and not (args.reference / "lib" / "test" / "tracker").is_dir():
        print(f"benchmark: error: {args.reference} is not a clone of github:goutamyg/SMAT", file=sys.stderr)
        return 1
    print(
        f"torch {torch.__version__}, onnxruntime {onnxruntime_version()}, {os.cpu_count()} CPUs, "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset: GNU OpenMP spins)')}"
    )
    frames = [read_image(path) for path in images]
    box = parse_box((args.sequence / "init.txt").read_text().strip())
    model = SMAT()
    load_weights(model, args.checkpoint)
    variant_names = list(args.variants) + (list(CUDA_VARIANTS) if torch.cuda.is_available() else [])
    if args.reference_only:
        variant_names = []
    if not torch.cuda.is_available():
        print("CUDA is not available: CPU variants only")
    if args.isolate:
        load_before = os.getloadavg()
        text = table(run_isolated(args, variant_names))
        print(f"isolated: load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after on {os.cpu_count()} CPUs")
        print(text)
        if args.markdown is not None:
            args.markdown.write_text(text + "\n")
        return 0
    rows: list[Variant] = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        load_before = os.getloadavg()
        variants = [v for v in (build_ours(model, name, threads, frames[0], box) for name in variant_names) if v]
        if args.reference is not None:
            variants.append(build_reference(args.reference, args.checkpoint, threads, frames[0], box))
        measure(variants, frames, box, args.rounds, args.repeats)
        print(f"{threads} thread(s): load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
              f"on {os.cpu_count()} CPUs")
        rows.extend(variants)
    if args.json is not None:
        save_variants(rows, args.json)
    text = table(rows)
    print(text)
    if args.markdown is not None:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
