#!/usr/bin/env python3
"""Speed benchmark of SMAT backends against the official code (not a test): one table row per variant.

Every variant runs in processes of its own (one per round, variants alternating, the order rotated each round),
on the frames of a sequence (default: the 60 public vtest_person frames) with the fixture checkpoint, so that
runtimes never share a process. Per variant it reports: track step ms (median over all steps of all rounds) and
fps, the ratio to the official SMAT code run in the same rounds on the same device (``--reference``: a clone of
github:goutamyg/SMAT, never part of this repository, run through the run-time shims below), the spread of that
ratio over the rounds, start-up from the process spawn to the first box (cold: round 1, with an empty graph
cache; warm: median of the later rounds, cache filled), peak RSS, and the largest box difference from the torch
fp32 (eager) variant.
With ``--accuracy`` it also measures the reduced-precision variants against torch fp32 on the demo weights
(smat_ros.eval.backend_accuracy: one-step centre deviation and AO difference, the documented gate).

Environments: each variant runs in the environment a user gets. Our variants import smat_ros before torch, so
smat_ros's default ``OMP_WAIT_POLICY=PASSIVE`` applies (unless the variable was set before this script started);
the reference imports torch first and gets the environment this script was started with (by default no
``OMP_WAIT_POLICY``: GNU OpenMP spins briefly at barriers, the reference's own default). The table shows which.

    .venv/bin/python scripts/benchmark.py --threads 2 --reference /path/to/SMAT --rounds 5 --markdown t.md
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from node_process import package_source_warning

ORIGINAL_OMP = os.environ.get("OMP_WAIT_POLICY")  # before anything imports smat_ros
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "test" / "fixtures"
DEMO_WEIGHTS = REPO / "weights" / "smat_demo.safetensors"
DEFAULT_VARIANTS = ("torch:fp32:eager", "torch:fp32:frozen", "auto:fp32", "onnxruntime:int8", "torch:bf16:frozen")
CUDA_VARIANTS = ("torch:fp32:eager@cuda", "torch:fp16:eager@cuda", "torch:fp32:compiled@cuda",
                 "torch:fp16:compiled@cuda", "onnxruntime:fp32:cuda@cuda", "onnxruntime:fp16:tensorrt@cuda")
OPENVINO_VARIANTS = ("openvino:fp32", "openvino:bf16", "openvino:int8")
BASELINE = "torch:fp32:eager"
REFERENCE = "reference"


@dataclasses.dataclass
class Measured:
    """Everything measured for one variant over the rounds."""

    label: str
    columns: tuple[str, str, str]  # backend (as built), precision, mode
    threads: int
    omp: str
    startup_s: list[float] = dataclasses.field(default_factory=list)  # per round, spawn -> first box
    step_ms: list[float] = dataclasses.field(default_factory=list)
    round_step_ms: list[float] = dataclasses.field(default_factory=list)  # median of each round
    rss_mib: float = 0.0
    boxes: list[list[float]] | None = None
    failure: str = ""  # the last line of a failed run's error output


def available_cuda_variants() -> list[str]:
    """The CUDA variants this machine can run (the onnxruntime ones need onnxruntime-gpu's providers)."""
    try:
        import onnxruntime

        providers = set(onnxruntime.get_available_providers())
    except ImportError:
        providers = set()
    needs = {"cuda": "CUDAExecutionProvider", "tensorrt": "TensorrtExecutionProvider"}
    return [label for label in CUDA_VARIANTS
            if not label.startswith("onnxruntime") or needs[parse_variant(label)[2]] in providers]


def available_openvino_variants() -> list[str]:
    """The OpenVINO variants this machine can run (none without the openvino package; bf16 needs the CPU's BF16)."""
    from smat_ros.backends.openvino_backend import cpu_offers  # after ORIGINAL_OMP: child_env restores it

    return [label for label in OPENVINO_VARIANTS if cpu_offers(parse_variant(label)[1])]


def parse_variant(text: str) -> tuple[str, str, str, str]:
    """``backend:precision[:mode][@device]`` -> (backend, precision, mode, device); mode is a torch graph or a
    provider."""
    spec, _, device = text.partition("@")
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise SystemExit(f"benchmark: error: variant {text!r} is not backend:precision[:mode][@device]")
    backend, precision, mode = parts[0], parts[1], parts[2] if len(parts) == 3 else "auto"
    return backend, precision, mode, device or "cpu"


def read_sequence(folder: Path) -> tuple[list[Any], tuple[float, ...]]:
    """The frames (RGB) and the first box of a sequence folder with img/ and init.txt."""
    from smat_ros.video import parse_box, read_image

    frames = [read_image(path) for path in sorted((folder / "img").glob("*.jpg"))]
    return frames, parse_box((folder / "init.txt").read_text())


def run_passes(tracker: Any, frames: list[Any], box: Sequence[float], passes: int, spawned: float) -> dict[str, Any]:
    """Track the sequence ``passes`` times; the first box's wall time gives the start-up."""
    tracker.initialize(frames[0], box)
    first = tracker.track(frames[1])
    startup = time.time() - spawned
    del first
    steps: list[float] = []
    boxes: list[list[float]] = []
    for _ in range(passes):
        tracker.initialize(frames[0], box)
        boxes = [list(map(float, box))]
        for frame in frames[1:]:
            start = time.perf_counter()
            boxes.append([float(v) for v in tracker.track(frame)])
            steps.append((time.perf_counter() - start) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux -> MiB
    return {"startup_s": startup, "step_ms": steps, "boxes": boxes, "rss_mib": rss}


class OurTracker:
    """smat_ros.Tracker with the benchmark's interface (track returns the box)."""

    def __init__(self, tracker: Any) -> None:
        self.tracker = tracker

    def initialize(self, frame: Any, box: Sequence[float]) -> None:
        """Set the target."""
        self.tracker.initialize(frame, box)

    def track(self, frame: Any) -> tuple[float, ...]:
        """The new box."""
        return tuple(self.tracker.track(frame).box)


def ours_child(args: argparse.Namespace, spawned: float) -> dict[str, Any]:
    """In a variant's own process: smat_ros imported before torch (its OMP default applies), then measured."""
    import torch

    import smat_ros  # noqa: F401  (first: sets OMP_WAIT_POLICY=PASSIVE unless set)
    from smat_ros import Tracker
    from smat_ros.backends import BackendOptions
    from smat_ros.checkpoint import load_weights
    from smat_ros.model import SMAT

    backend, precision, mode, device = parse_variant(args.variant)
    torch.set_num_threads(args.threads)
    model = SMAT()
    load_weights(model, args.checkpoint)
    fields = {"graph": mode} if backend == "torch" else {"provider": mode} if mode != "auto" else {}
    options = BackendOptions(precision=precision, threads=args.threads, **fields)
    tracker = Tracker(model, device=device, backend=backend, options=options)
    frames, box = read_sequence(args.sequence)
    result = run_passes(OurTracker(tracker), frames, box, args.passes, spawned)
    mode = tracker.backend.mode + ("" if device == "cpu" else f" @{device}")
    result["columns"] = [tracker.backend.name, precision, mode]
    return result


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
    """The official MobileViTv2Track tracker, on CPU or CUDA, with our fixture checkpoint."""

    def __init__(self, reference_dir: Path, checkpoint: Path, device: str = "cpu") -> None:
        import torch

        from smat_ros.checkpoint import read_pickled_checkpoint

        install_reference_shims(reference_dir)
        import lib.test.tracker.mobilevitv2_track as reference_module
        from lib.config.mobilevitv2_track.config import cfg, update_config_from_file
        from lib.models.mobilevit_track.layers.conv_layer import ConvLayer
        from lib.test.utils import TrackerParams

        update_config_from_file(str(reference_dir / "experiments/mobilevitv2_track/mobilevitv2_256_128x1_ep300.yaml"))
        cfg.TEST.DEVICE = device
        ConvLayer.__repr__ = object.__repr__  # the reference's repr indexes a block that has no [0]
        params = TrackerParams()
        params.cfg = cfg
        params.template_factor, params.template_size = cfg.TEST.TEMPLATE_FACTOR, cfg.TEST.TEMPLATE_SIZE
        params.search_factor, params.search_size = cfg.TEST.SEARCH_FACTOR, cfg.TEST.SEARCH_SIZE
        params.checkpoint, params.save_all_boxes, params.debug = str(checkpoint), False, False
        if device == "cpu":
            reference_module.Preprocessor = CpuPreprocessor  # same maths as its CUDA preprocessor, on CPU
        original_load = torch.load
        torch.load = lambda path, *_, **__: read_pickled_checkpoint(Path(path))  # its load needs weights_only=False
        try:
            self.tracker = reference_module.MobileViTv2Track(params, "benchmark")
        finally:
            torch.load = original_load
        self.network = self.tracker.network

    def initialize(self, frame: Any, box: Sequence[float]) -> None:
        """Set the target."""
        self.tracker.initialize(frame, {"init_bbox": list(box)})

    def track(self, frame: Any) -> tuple[float, ...]:
        """Return the new box."""
        return tuple(self.tracker.track(frame)["target_bbox"])


class CpuPreprocessor:
    """The reference preprocessing (uint8 HWC -> float NCHW / 255, mean 0, std 1) without ``.cuda()``."""

    def process(self, image: Any, mask: Any) -> types.SimpleNamespace:
        """Image tensor [1, 3, H, W] and the (unused) mask."""
        import torch

        tensor = torch.tensor(image).float().permute(2, 0, 1).unsqueeze(0) / 255.0  # [1, 3, H, W]
        mask_tensor = None if mask is None else torch.from_numpy(mask).to(torch.bool).unsqueeze(0)
        return types.SimpleNamespace(tensors=tensor, mask=mask_tensor)


def reference_child(args: argparse.Namespace, spawned: float) -> dict[str, Any]:
    """In the reference's own process: torch imported first, so the environment it was started with applies."""
    import torch

    torch.set_num_threads(args.threads)
    device = device_of(args.variant)
    reference = ReferenceTracker(args.reference, args.checkpoint, device)
    frames, box = read_sequence(args.sequence)
    result = run_passes(reference, frames, box, args.passes, spawned)
    result["columns"] = ["reference (official code)", "fp32", "eager" + ("" if device == "cpu" else f" @{device}")]
    return result


def child_env(label: str) -> dict[str, str]:
    """The environment of a variant's process: this script's original one (ours then set PASSIVE themselves)."""
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if ORIGINAL_OMP is not None:
        env["OMP_WAIT_POLICY"] = ORIGINAL_OMP
    return env


def omp_policy(label: str) -> str:
    """The OMP_WAIT_POLICY the variant's torch runs with."""
    if ORIGINAL_OMP is not None:
        return ORIGINAL_OMP
    return "unset (spins briefly)" if is_reference(label) else "PASSIVE (smat_ros default)"


def is_reference(label: str) -> bool:
    """Whether the label names the official code (``reference`` or ``reference@cuda``)."""
    return label.partition("@")[0] == REFERENCE


def device_of(label: str) -> str:
    """The device a label runs on (cpu unless ``@device``)."""
    return label.partition("@")[2] or "cpu"


def run_rounds(args: argparse.Namespace, labels: list[str]) -> list[Measured]:
    """Every variant in a fresh process per round, alternating, order rotated; results merged."""
    from tqdm import tqdm

    measured = {label: Measured(label, ("", "", ""), args.threads, omp_policy(label)) for label in labels}
    with tempfile.TemporaryDirectory(prefix="smat-bench-") as tmp:
        for round_index in tqdm(range(args.rounds), desc=f"{args.threads} thread(s)", unit="round"):
            shift = round_index % len(labels)
            for label in labels[shift:] + labels[:shift]:
                if measured[label].failure:
                    continue
                out = Path(tmp) / "variant.json"
                cache = Path(tmp) / f"cache-{labels.index(label)}"  # per variant: round 1 cold, later warm
                command = [sys.executable, str(Path(__file__).resolve()), "--child", label, "--threads",
                           str(args.threads), "--passes", str(args.passes), "--checkpoint", str(args.checkpoint),
                           "--sequence", str(args.sequence), "--json", str(out)]
                if is_reference(label):
                    command += ["--reference", str(args.reference)]
                env = {**child_env(label), "SMAT_CACHE_DIR": str(cache)}
                spawned = time.time()
                done = subprocess.run(command + ["--spawned", repr(spawned)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
                kept = measured[label]
                if done.returncode != 0:  # reported in its row; the other variants go on
                    lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
                    kept.failure = lines[-1]
                    print(f"benchmark: {label} failed: {kept.failure}", file=sys.stderr)
                    continue
                row = json.loads(out.read_text())
                kept.columns = tuple(row["columns"])  # type: ignore[assignment]
                kept.startup_s.append(row["startup_s"])
                kept.step_ms += row["step_ms"]
                kept.round_step_ms.append(statistics.median(row["step_ms"]))
                kept.rss_mib = max(kept.rss_mib, row["rss_mib"])
                kept.boxes = row["boxes"]
    return [measured[label] for label in labels]


def max_deviation(boxes: list[list[float]] | None, baseline: list[list[float]] | None) -> str:
    """Largest absolute box-coordinate difference (px) between two tracks, or n/a."""
    if boxes is None or baseline is None:
        return "n/a"
    deviation = max(abs(a - b) for row, base in zip(boxes, baseline, strict=True)
                    for a, b in zip(row, base, strict=True))
    return f"{deviation:.4f}"


def table(rows: list[Measured]) -> str:
    """Markdown table of the speed rows."""
    header = ("| variant | backend | precision | mode | threads | OMP_WAIT_POLICY | track step ms | fps | "
              "ratio to reference | ratio range over rounds | cold start-up s | warm start-up s | peak RSS MiB | "
              "max box dev vs torch fp32 (px) |")
    lines = [header, "|" + "---|" * 14]
    references = {device_of(row.label): row for row in rows if is_reference(row.label)}
    baseline = next((row for row in rows if row.label == BASELINE), None)
    for row in rows:
        if not row.step_ms:
            lines.append(f"| {row.label} | failed: {row.failure.replace('|', '/')} |" + " |" * 12)
            continue
        reference = references.get(device_of(row.label))  # the official code on the same device
        step = statistics.median(row.step_ms)
        ratio, spread = "n/a", "n/a"
        if reference is not None and reference.step_ms:
            ratio = f"{statistics.median(reference.step_ms) / step:.2f}x"
            if len(reference.round_step_ms) == len(row.round_step_ms):  # per round, when both ran every round
                per_round = [r / s for r, s in zip(reference.round_step_ms, row.round_step_ms, strict=True)]
                spread = f"{min(per_round):.2f}-{max(per_round):.2f}x"
        warm = f"{statistics.median(row.startup_s[1:]):.2f}" if len(row.startup_s) > 1 else "n/a"
        backend, precision, mode = row.columns
        lines.append(
            f"| {row.label} | {backend} | {precision} | {mode} | {row.threads} | {row.omp} | {step:.1f} | "
            f"{1e3 / step:.1f} | {ratio} | {spread} | {row.startup_s[0]:.2f} | {warm} | {row.rss_mib:.0f} | "
            f"{max_deviation(row.boxes, baseline.boxes if baseline else None)} |"
        )
    return "\n".join(lines)


def accuracy_table(variants: list[str], weights: Path, sequence: Path, synthetic: int | None, threads: int) -> str:
    """The accuracy gate of each reduced-precision variant against torch fp32 on ``weights``."""
    import torch

    import smat_ros  # noqa: F401
    from smat_ros import Tracker
    from smat_ros.backends import BackendOptions
    from smat_ros.checkpoint import load_weights
    from smat_ros.eval.backend_accuracy import (
        GATE,
        GATE_SEQUENCES_PER_SEED,
        GateSequence,
        held_out_synthetic,
        measure_set,
        reference_tracks,
    )
    from smat_ros.model import SMAT

    torch.set_num_threads(threads)
    model = SMAT()
    load_weights(model, weights)
    frames, box = read_sequence(sequence)
    synthetic = synthetic or GATE_SEQUENCES_PER_SEED
    sets = [("60 public frames", [GateSequence(sequence.name, frames, box)]),
            (f"held-out synthetic ({synthetic} x 2 seeds x 60 frames)", held_out_synthetic(synthetic))]
    fp32 = Tracker(model, device="cpu", backend="torch", options=BackendOptions(threads=threads))
    references = [reference_tracks(fp32, sequences) for _, sequences in sets]
    lines = [f"gate: one-step centre deviation (agreeing steps) <= {GATE.mean_centre_px} px, disagreeing steps <= "
             f"{GATE.disagreeing:.0%}, |AO difference| <= {GATE.ao_difference} (weights {weights.name}, against torch "
             "fp32 frozen)", "",
             "| variant | set | centre dev px (agreeing steps) | disagreeing steps | mean over all steps px | max px | "
             "AO fp32 | AO variant | AO difference | gate |",
             "|" + "---|" * 10]
    for label in variants:
        backend, precision, mode, device = parse_variant(label)
        fields = {"graph": mode} if backend == "torch" else {"provider": mode} if mode != "auto" else {}
        variant = Tracker(copy.deepcopy(model), device=device, backend=backend,  # eager moves its model in place
                          options=BackendOptions(precision=precision, threads=threads, **fields))
        for (name, sequences), tracks in zip(sets, references, strict=True):
            result = measure_set(name, variant, sequences, tracks)
            ao = "n/a" if result.ao is None else f"{result.ao:.3f}"
            ao_fp32 = "n/a" if result.ao_fp32 is None else f"{result.ao_fp32:.3f}"
            diff = "n/a" if result.ao_difference is None else f"{result.ao_difference:+.3f}"
            lines.append(f"| {label} | {name} | {result.mean_centre_px:.2f} | {result.disagreeing:.1%} | "
                         f"{result.all_steps_mean_px:.2f} | {result.max_centre_px:.1f} | {ao_fp32} | {ao} | {diff} | "
                         f"{'pass' if result.passes() else 'FAIL'} |")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Arguments of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=FIXTURES / "smat_reference" / "checkpoint.pth.tar",
                        help="weights for the speed rows (default: the reference-format fixture checkpoint)")
    parser.add_argument("--sequence", type=Path, default=FIXTURES / "vtest_person",
                        help="folder with img/ and init.txt")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of every variant (default: 2)")
    parser.add_argument("--variants", nargs="+", default=list(DEFAULT_VARIANTS),
                        help="backend:precision[:mode][@device] (mode: torch graph or onnxruntime provider); default: "
                        f"{' '.join(DEFAULT_VARIANTS)} (plus the OpenVINO variants when openvino is installed and "
                        "the CUDA variants when CUDA is present)")
    parser.add_argument("--reference", type=Path,
                        help="clone of github:goutamyg/SMAT to run beside ours (also on CUDA when CUDA variants run)")
    parser.add_argument("--no-cuda", action="store_true",
                        help="leave out the default CUDA variants on a machine with CUDA")
    parser.add_argument("--no-openvino", action="store_true",
                        help="leave out the default OpenVINO variants when openvino is installed")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each runs every variant once (default: 5)")
    parser.add_argument("--passes", type=int, default=2, help="passes over the sequence per process (default: 2)")
    parser.add_argument("--accuracy", action="store_true",
                        help="also measure the accuracy gate of the int8/bf16/fp16 and the CUDA variants")
    parser.add_argument("--accuracy-weights", type=Path, default=DEMO_WEIGHTS, help="weights for --accuracy")
    parser.add_argument("--synthetic", type=int,
                        help="held-out synthetic sequences per seed (default: the gate's, 20)")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run every variant (and the reference) in alternating processes and print the tables."""
    args = build_parser().parse_args(argv)
    if args.child is not None:
        args.variant = args.child
        result = (reference_child if is_reference(args.child) else ours_child)(args, args.spawned)
        args.json.write_text(json.dumps(result))
        return 0
    if not sorted((args.sequence / "img").glob("*.jpg")) or not (args.sequence / "init.txt").is_file():
        print(f"benchmark: error: {args.sequence} needs img/*.jpg and init.txt", file=sys.stderr)
        return 1
    if args.reference is not None and not (args.reference / "lib" / "test" / "tracker").is_dir():
        print(f"benchmark: error: {args.reference} is not a clone of github:goutamyg/SMAT", file=sys.stderr)
        return 1
    import torch

    cuda = torch.cuda.is_available() and not args.no_cuda
    defaults = args.variants == list(DEFAULT_VARIANTS)
    openvino = available_openvino_variants() if defaults and not args.no_openvino else []
    labels = list(args.variants) + openvino + (available_cuda_variants() if cuda else [])
    if args.reference is not None:
        devices = sorted({device_of(label) for label in labels})  # the official code on each device used
        labels += [REFERENCE if device == "cpu" else f"{REFERENCE}@{device}" for device in devices]
    warning = package_source_warning()
    if warning is not None:
        print(f"benchmark: {warning}", file=sys.stderr)
    load_before = os.getloadavg()
    started = time.monotonic()
    text = table(run_rounds(args, labels))
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "not available"
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, CUDA {gpu}; "
          f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after; {args.rounds} rounds in "
          f"{time.monotonic() - started:.0f} s")
    if args.accuracy:
        reduced = [label for label in labels if not is_reference(label)
                   and (parse_variant(label)[1] in ("int8", "bf16", "fp16") or device_of(label) != "cpu")]
        text += "\n\n" + accuracy_table(reduced, args.accuracy_weights, args.sequence, args.synthetic, args.threads)
    print(text)
    if args.markdown is not None:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
