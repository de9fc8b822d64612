"""Static int8 quantization of the tracking graph for onnxruntime on CPU (QDQ, per-channel weights).

Calibration data are the project's own synthetic sequences (:mod:`smat_ros.train.synthetic`, procedural textures,
seed :data:`CALIBRATION_SEED`, never the 60 public frames or the held-out seeds the accuracy gate uses): template
crops on each sequence's first frame and search crops around the true box on later frames, the way the tracker
crops. The template graph runs once per target and stays fp32; the tracking graph, which runs every frame, is
quantized: weights int8 per output channel (symmetric), activations uint8 per tensor with ranges from the
99.999th percentile of the calibration activations (ONNX Runtime's Percentile calibration; plain min/max ranges,
stretched by rare outliers, gave 2.45 instead of 1.57 px mean one-step centre deviation on the public frames).
Kept in fp32 (measured, docs/performance.md): the stem and layer 1 (the most accuracy per millisecond saved), the
correlation neck, and the separable attentions' products with the softmax of the context scores (``attn/Mul``:
one uint8 scale per tensor cannot hold a softmax over the tokens; these element-wise products cost nothing in
fp32). Together they took the held-out synthetic centre deviation from 3.1 to 1.2-1.4 px (ONNX Runtime /
OpenVINO) at the same speed.

On x86 CPUs without int8 dot-product instructions (VNNI or AMX), ONNX Runtime multiplies uint8 by int8 with
VPMADDUBSW, whose 16-bit sums saturate; there the weights are quantized to 7 bits (``reduce_range``), as ONNX Runtime
advises, so that the sums cannot overflow. The graph cache keeps the two apart.
"""
from __future__ import annotations

import contextlib
import io
import logging
import platform
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from smat_ros.backends.base import crop_to_array
from smat_ros.backends.graph_cache import cached_graphs, graphs_digest
from smat_ros.config import TrackerConfig
from smat_ros.crop import sample_target
from smat_ros.export import OnnxGraphs
from smat_ros.model.branches import FEATURES, SEARCH_INPUT, TEMPLATE_INPUT

log = logging.getLogger(__name__)

CALIBRATION_SEED = 11
CALIBRATION_SEQUENCES = 8
SEARCH_CROPS_PER_SEQUENCE = 6
# Activations of this many crops at a time are kept for the histograms (the quantizer keeps every intermediate
# tensor of the crops it holds: all 48 at once peaked at 10 GiB of RAM).
CALIBRATION_STRIDE = SEARCH_CROPS_PER_SEQUENCE
# Convolutions and matrix products, plus the element-wise and data-movement ops between them, so that activations
# stay uint8 from one convolution to the next (with Conv/MatMul alone, Quantize/DequantizeLinear around every
# residual add, split and reshape took 41 % of the int8 step and it ran only 1.3x faster than fp32; with these, 1.8x).
QUANTIZED_OPS = ("Conv", "MatMul", "Add", "Mul", "Split", "Reshape", "Transpose", "Concat", "Slice", "Relu")
FP32_PREFIXES = ("/backbone/stem", "/backbone/layer1", "/neck")  # first high-resolution convolutions; the neck
FP32_PARTS = ("/attn/Mul",)  # in every separable attention: keys x softmax(context scores), ReLU(values) x context
RECIPE = (f"qdq-u8s8-perchannel-percentile-{'+'.join(QUANTIZED_OPS)}-fp32-{'+'.join(FP32_PREFIXES + FP32_PARTS)}"
          f"-synthetic-seed{CALIBRATION_SEED}-{CALIBRATION_SEQUENCES}x{SEARCH_CROPS_PER_SEQUENCE}-stride{CALIBRATION_STRIDE}-v4")


def calibration_crops(config: TrackerConfig = TrackerConfig()) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """(template crop, search crops) per synthetic calibration sequence, uint8 RGB."""
    from smat_ros.train.synthetic import SyntheticConfig, render_sequence

    rng = np.random.default_rng(CALIBRATION_SEED)
    scenes = [SyntheticConfig(frames=SEARCH_CROPS_PER_SEQUENCE + 1, width=384, height=288, max_object=110,
                              distractors=3, max_speed=7.0),
              SyntheticConfig(frames=SEARCH_CROPS_PER_SEQUENCE + 1, width=384, height=288, min_object=20,
                              max_object=70, distractors=8, max_speed=5.0, walkers=0.95, static_camera=0.9, posts=3)]
    for index in range(CALIBRATION_SEQUENCES):
        frames, boxes, _ = render_sequence(scenes[index % len(scenes)], (), rng)
        template, _ = sample_target(frames[0], tuple(boxes[0]), config.template_factor, config.template_size)
        searches = [sample_target(frame, tuple(previous), config.search_factor, config.search_size)[0]
                    for frame, previous in zip(frames[1:], boxes[:-1], strict=True)]
        yield template, searches


class _HintFilter(logging.Filter):
    """Drops the quantizer's "consider pre-processing" hints, logged on the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the hint."""
        return "pre-processing before quantization" not in record.getMessage()


@contextlib.contextmanager
def _quiet_root_hints() -> Iterator[None]:
    """While quantizing, drop the quantizer's pre-processing hint from the root logger.

    Its pre-processing (symbolic shape inference + onnx optimizer) did not change the int8 step here (29.2 vs
    29.6 ms on a loaded machine), so it is not run.
    """
    hint = _HintFilter()
    logging.getLogger().addFilter(hint)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(hint)


class _Reader:
    """onnxruntime CalibrationDataReader over (template features, search crop) pairs, read in strides."""

    def __init__(self, samples: list[dict[str, np.ndarray]]) -> None:
        self._samples = samples
        self._next = iter(samples)

    def __len__(self) -> int:
        """Number of samples (the quantizer's strided calibration asks)."""
        return len(self._samples)

    def set_range(self, start_index: int, end_index: int) -> None:
        """Read samples ``start_index`` to ``end_index`` (exclusive) next."""
        self._next = iter(self._samples[start_index:end_index])

    def get_next(self) -> dict[str, np.ndarray] | None:
        """The next input feed, None at the end."""
        return next(self._next, None)


def calibration_feeds(template_graph: bytes) -> list[dict[str, np.ndarray]]:
    """Inputs of the tracking graph for calibration: fp32 template features + search crops."""
    import onnxruntime

    session = onnxruntime.InferenceSession(template_graph, providers=["CPUExecutionProvider"])
    feeds = []
    for template, searches in tqdm(list(calibration_crops()), desc="int8 calibration data", unit="sequence"):
        features = session.run([FEATURES], {TEMPLATE_INPUT: crop_to_array(template)})[0]
        feeds += [{FEATURES: features, SEARCH_INPUT: crop_to_array(search)} for search in searches]
    return feeds


def lists_int8_dot(cpuinfo: str) -> bool:
    """Whether /proc/cpuinfo text names an x86 int8 dot-product instruction set (AVX512-VNNI, AVX-VNNI, AMX-INT8)."""
    flags = {flag for line in cpuinfo.splitlines() if line.startswith("flags") and ":" in line
             for flag in line.split(":", 1)[1].split()}
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


def cpu_has_int8_dot() -> bool:
    """Whether the CPU multiplies int8 without saturating: x86 with VNNI or AMX, or another architecture; False on
    x86 when /proc/cpuinfo cannot be read."""
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686"):
        return True
    try:
        return lists_int8_dot(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        return False


def quantize_graphs(graphs: OnnxGraphs, reduce_range: bool) -> OnnxGraphs:
    """``graphs`` with the tracking graph statically quantized (QDQ, per-channel int8 weights, uint8 activations;
    7-bit weights with ``reduce_range``)."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    feeds = calibration_feeds(graphs.template)
    kept = [node.name for node in onnx.load_from_string(graphs.tracking).graph.node
            if node.name.startswith(FP32_PREFIXES) or any(part in node.name for part in FP32_PARTS)]
    log.info("quantizing the tracking graph to int8 on %d calibration crops%s", len(feeds),
             " (7-bit weights: this CPU has no VNNI/AMX int8 instructions)" if reduce_range else "")
    with tempfile.TemporaryDirectory(prefix="smat-int8-") as folder:
        source, target = Path(folder) / "tracking.onnx", Path(folder) / "tracking.int8.onnx"
        source.write_bytes(graphs.tracking)
        options: dict[str, Any] = {"ActivationSymmetric": False, "WeightSymmetric": True,
                                   "CalibStridedMinMax": CALIBRATION_STRIDE}
        chatter = io.StringIO()  # the calibrator print()s its settings; keep them out of the user's output
        with contextlib.redirect_stdout(chatter), _quiet_root_hints():
            quantize_static(
                source, target, _Reader(feeds), quant_format=QuantFormat.QDQ,
                op_types_to_quantize=list(QUANTIZED_OPS), per_channel=True, activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile, extra_options=options,
                nodes_to_exclude=kept, reduce_range=reduce_range,
            )
        log.debug("onnxruntime quantizer: %s", chatter.getvalue().strip())
        return OnnxGraphs(template=graphs.template, tracking=target.read_bytes())


def quantized(graphs: OnnxGraphs, cache: bool) -> OnnxGraphs:
    """``graphs`` with the tracking graph statically quantized to int8 (from the on-disk cache when there)."""
    reduce_range = not cpu_has_int8_dot()
    facts: dict[str, object] = {"kind": "int8", "source": graphs_digest(graphs), "recipe": RECIPE,
                                "reduce_range": reduce_range}
    return cached_graphs(facts, lambda: quantize_graphs(graphs, reduce_range), cache)
