"""ONNX export of SMAT's two inference graphs, with static shapes, checked by onnx's checker.

* ``template.onnx``: ``template`` [1, 3, 128, 128] float32 (RGB / 255) -> ``template_features`` [1, 128, 4, 64];
* ``tracking.onnx``: ``template_features`` + ``search`` [1, 3, 256, 256] -> ``score_map`` [1, 1, 16, 16],
  ``size_map`` [1, 2, 16, 16], ``offset_map`` [1, 2, 16, 16].

Box decoding (peak, Hann window, mapping back) stays in Python: it is a handful of scalar operations.
"""
from __future__ import annotations

import dataclasses
import io
import logging
import warnings
from pathlib import Path

import torch

from smat_ros.errors import ExportError
from smat_ros.model import SMAT
from smat_ros.model.branches import FEATURES, MAP_NAMES, SEARCH_INPUT, TEMPLATE_INPUT, TemplateBranch, TrackingBranch
from smat_ros.model.folding import fold_batchnorm

log = logging.getLogger(__name__)

OPSET = 17
TEMPLATE_FILE = "template.onnx"
TRACKING_FILE = "tracking.onnx"


@dataclasses.dataclass(frozen=True)
class OnnxGraphs:
    """Serialized ONNX models of the template and tracking branches."""

    template: bytes
    tracking: bytes


def _export(
    module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], input_names: list[str], output_names: list[str]
) -> bytes:
    """One module -> ONNX bytes via torch's TorchScript-based exporter (static shapes, constants folded)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The legacy exporter is deprecated upstream; the torch.export-based one needs onnxscript, not installed here.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            module,
            inputs,
            buffer,  # type: ignore[arg-type]  # the exporter writes to file objects too
            input_names=input_names,
            output_names=output_names,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    return buffer.getvalue()


def check_onnx(model: bytes, name: str) -> None:
    """Run onnx's full checker on ``model``; ExportError naming the graph if it fails."""
    import onnx

    try:
        onnx.checker.check_model(onnx.load_from_string(model), full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"exported {name} graph failed the ONNX checker: {exc}") from None


@torch.no_grad()
def export_graphs(model: SMAT) -> OnnxGraphs:
    """Both branches of ``model`` (BatchNorm folded, float32, CPU) as checked ONNX bytes."""
    folded = fold_batchnorm(model).to(device="cpu", dtype=torch.float32)
    config = model.config
    template = torch.zeros(1, 3, config.template_size, config.template_size)
    search = torch.zeros(1, 3, config.search_size, config.search_size)
    features = folded.template_features(template)
    graphs = OnnxGraphs(
        template=_export(TemplateBranch(folded), (template,), [TEMPLATE_INPUT], [FEATURES]),
        tracking=_export(TrackingBranch(folded), (features, search), [FEATURES, SEARCH_INPUT], list(MAP_NAMES)),
    )
    check_onnx(graphs.template, "template")
    check_onnx(graphs.tracking, "tracking")
    return graphs


def write_graphs(graphs: OnnxGraphs, output_dir: str | Path) -> tuple[Path, Path]:
    """Write ``template.onnx`` and ``tracking.onnx`` into ``output_dir`` (created if needed); returns their paths."""
    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise ExportError(f"output {output_dir} exists and is not a directory")
    output_dir.mkdir(parents=True, exist_ok=True)
    template_path, tracking_path = output_dir / TEMPLATE_FILE, output_dir / TRACKING_FILE
    template_path.write_bytes(graphs.template)
    tracking_path.write_bytes(graphs.tracking)
    log.info("wrote %s (%d bytes) and %s (%d bytes)", template_path, len(graphs.template), tracking_path,
             len(graphs.tracking))
    return template_path, tracking_path


def read_graphs(directory: str | Path) -> OnnxGraphs:
    """Read ``template.onnx`` and ``tracking.onnx`` written by :func:`write_graphs` (ExportError if one is missing)."""
    directory = Path(directory)
    paths = [directory / TEMPLATE_FILE, directory / TRACKING_FILE]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ExportError(f"ONNX graphs not found: {', '.join(missing)} (write them with `smat-export onnx`)")
    return OnnxGraphs(template=paths[0].read_bytes(), tracking=paths[1].read_bytes())
