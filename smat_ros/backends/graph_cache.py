"""On-disk cache of exported (and quantized) ONNX graphs, so that a second start-up does no export.

Location: ``$SMAT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/smat_ros``, else ``~/.cache/smat_ros``. Entries live
in ``onnx/<key>/`` where the key is the SHA-256 of everything the graphs depend on: the weights (hashed tensor by
tensor), the model configuration (crop sizes, widths), the graph variant (fp32, or int8 with its calibration
recipe), the ONNX opset, the export format version and the versions of torch, onnx and onnxruntime. Changing any of
them gives a new key, hence a fresh export; old entries are never reused by mistake and can be deleted at any time.
Files are written to a temporary name and renamed, so concurrent starts never read a half-written graph. A cache
that cannot be written (read-only home) is logged once and skipped.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from smat_ros.export import OPSET, TEMPLATE_FILE, TRACKING_FILE, OnnxGraphs
from smat_ros.model import SMAT

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1  # bump when export.py changes the graphs it writes for the same weights


def cache_root() -> Path:
    """The user cache folder of smat_ros (``SMAT_CACHE_DIR``, else XDG, else ``~/.cache/smat_ros``)."""
    if os.environ.get("SMAT_CACHE_DIR"):
        return Path(os.environ["SMAT_CACHE_DIR"]).expanduser()
    if os.environ.get("SMAT_ROS_CACHE"):
        warnings.warn("SMAT_ROS_CACHE is deprecated: set SMAT_CACHE_DIR instead", DeprecationWarning, stacklevel=2)
        return Path(os.environ["SMAT_ROS_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "smat_ros"


def weights_digest(model: SMAT) -> str:
    """SHA-256 over the model's tensors (name, dtype, shape, bytes), in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        value = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}|{value.dtype}|{tuple(value.shape)}|".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())  # [numel * itemsize] raw bytes
    return digest.hexdigest()


def runtime_versions() -> dict[str, str]:
    """Versions of the libraries that produce and read the graphs (from package metadata: nothing is imported)."""
    versions: dict[str, str] = {"torch": str(torch.__version__)}
    for name in ("onnx", "onnxruntime"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def export_facts(model: SMAT) -> dict[str, object]:
    """What an fp32 export of ``model`` depends on besides the runtime versions."""
    return {
        "kind": "fp32 export",
        "weights": weights_digest(model),
        "model_config": dataclasses.asdict(model.config),
        "opset": OPSET,
        "export_format": EXPORT_FORMAT,
    }


def graphs_digest(graphs: OnnxGraphs) -> str:
    """SHA-256 of both graphs' bytes (the source of a derived graph, e.g. a quantized one)."""
    parts = hashlib.sha256(graphs.template).digest() + hashlib.sha256(graphs.tracking).digest()
    return hashlib.sha256(parts).hexdigest()


def graph_key(facts: dict[str, object]) -> str:
    """Cache key: SHA-256 of ``facts`` plus the runtime versions (32 hex digits)."""
    keyed = {**facts, **runtime_versions()}
    return hashlib.sha256(json.dumps(keyed, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; cached graphs are ordinary readable files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_graphs(folder: Path) -> OnnxGraphs | None:
    """The graphs stored in ``folder``, or None when the entry is absent or incomplete."""
    template, tracking = folder / TEMPLATE_FILE, folder / TRACKING_FILE
    if not (template.is_file() and tracking.is_file()):
        return None
    return OnnxGraphs(template=template.read_bytes(), tracking=tracking.read_bytes())


def store_graphs(folder: Path, graphs: OnnxGraphs) -> None:
    """Store ``graphs`` in ``folder`` (tracking graph last: its presence marks a complete entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / TEMPLATE_FILE, graphs.template)
    _write_atomic(folder / TRACKING_FILE, graphs.tracking)


def cached_graphs(facts: dict[str, object], build: Callable[[], OnnxGraphs], enabled: bool = True) -> OnnxGraphs:
    """The graphs described by ``facts`` from the cache, or ``build()`` them and store them there."""
    if not enabled:
        return build()
    folder = cache_root() / "onnx" / graph_key(facts)
    found = load_graphs(folder)
    if found is not None:
        log.info("ONNX graphs (%s) from the cache %s", facts["kind"], folder)
        return found
    log.info("building ONNX graphs (%s); they will be cached in %s", facts["kind"], folder)
    graphs = build()
    try:
        store_graphs(folder, graphs)
    except OSError as exc:
        log.warning("cannot write the ONNX graph cache %s (%s): the next start-up exports again", folder, exc)
    return graphs
