"""Static int8 quantization of the tracking graph for onnxruntime on CPU (QDQ, per-channel weights).

Calibration data are the project's own synthetic sequences (:mod:`smat_ros.train.synthetic`, procedural textures,
seed :data:`CALIBRATION_SEED`, never the 60 public frames or the held-out seeds the accuracy gate uses): template
crops on each sequence's first frame and search crops around the true box on later frames, the way the tracker
crops. The template graph runs once per target and stays fp32; the tracking graph, which runs every frame, is
quantized: weights int8 per output channel (symmetric), activations uint8 per tensor (MinMax ranges).
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from tqdm import tqdm

from smat_ros.backends.base import crop_to_array
from smat_ros.config import TrackerConfig
from smat_ros.crop import sample_target
from smat_ros.export import OnnxGraphs
from smat_ros.model.branches import FEATURES, SEARCH_INPUT, TEMPLATE_INPUT

log = logging.getLogger(__name__)

CALIBRATION_SEED = 11
CALIBRATION_SEQUENCES = 8
SEARCH_CROPS_PER_SEQUENCE = 6
QUANTIZED_OPS = ("Conv", "MatMul", "Gemm")
RECIPE = (f"qdq-u8s8-perchannel-minmax-{'+'.join(QUANTIZED_OPS)}-synthetic-seed{CALIBRATION_SEED}"
          f"-{CALIBRATION_SEQUENCES}x{SEARCH_CROPS_PER_SEQUENCE}-v1")


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
                    for frame, previous in zip(frames[1:], boxes[:-1])]
        yield template, searches


class _Reader:
    """onnxruntime CalibrationDataReader over (template features, search crop) pairs."""

    def __init__(self, samples: list[dict[str, np.ndarray]]) -> None:
        self._samples = iter(samples)

    def get_next(self) -> dict[str, np.ndarray] | None:
        """The next input feed, None at the end."""
        return next(self._samples, None)


def calibration_feeds(template_graph: bytes) -> list[dict[str, np.ndarray]]:
    """Inputs of the tracking graph for calibration: fp32 template features + search crops."""
    import onnxruntime

    session = onnxruntime.InferenceSession(template_graph, providers=["CPUExecutionProvider"])
    feeds = []
    for template, searches in tqdm(list(calibration_crops()), desc="int8 calibration data", unit="sequence"):
        features = session.run([FEATURES], {TEMPLATE_INPUT: crop_to_array(template)})[0]
        feeds += [{FEATURES: features, SEARCH_INPUT: crop_to_array(search)} for search in searches]
    return feeds


def quantize_graphs(graphs: OnnxGraphs) -> OnnxGraphs:
    """``graphs`` with the tracking graph statically quantized (QDQ, per-channel int8 weights, uint8 activations)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    feeds = calibration_feeds(graphs.template)
    log.info("quantizing the tracking graph to int8 on %d calibration crops", len(feeds))
    with tempfile.TemporaryDirectory(prefix="smat-int8-") as folder:
        source, target = Path(folder) / "tracking.onnx", Path(folder) / "tracking.int8.onnx"
        source.write_bytes(graphs.tracking)
        options: dict[str, Any] = {"ActivationSymmetric": False, "WeightSymmetric": True}
        quantize_static(
            source, target, _Reader(feeds), quant_format=QuantFormat.QDQ, op_types_to_quantize=list(QUANTIZED_OPS),
            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax, extra_options=options,
        )
        return OnnxGraphs(template=graphs.template, tracking=target.read_bytes())
