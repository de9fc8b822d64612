"""Checkpoint loading and conversion: the one place weights enter the library.

Three formats are accepted:

* the official training format (``MobileViTv2_Track_ep0300.pth.tar``): a ``torch.save`` zip archive holding a dict
  whose ``net`` entry is the state_dict, next to pickled objects of classes that exist only in the reference code;
* a plain state_dict saved with ``torch.save`` (reference or our parameter names);
* safetensors.

Pickled files are read by :class:`RestrictedUnpickler`, which never imports or calls anything from the file: it
materialises tensors, storages and plain containers, and turns every other class into an inert :class:`Opaque`
placeholder. ``torch.load`` is never called.

Parameter names differ from the reference only through :data:`KEY_MAP`, an ordered list of regular-expression
rewrites from reference names to ours; loading is strict (missing, unexpected or mis-shaped keys raise one
:class:`~smat_ros.errors.CheckpointError` that lists them).
"""
from __future__ import annotations

import collections
import io
import logging
import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file as load_safetensors_file
from safetensors.torch import save_file as save_safetensors_file

from smat_ros.errors import CheckpointError
from smat_ros.model import SMAT

log = logging.getLogger(__name__)

# Reference name (regex) -> our name, applied in order, first match wins. Written for the reference's module tree:
# backbone.{conv_1, layer_1..layer_4}, neck.BN_{x,z}, feature_fusor.{pw_corr.CA_layer, adj_layer}, box_head.*.
_STAGE = r"backbone\.layer_([34])"
_ATTN = r"global_rep\.(\d+)"
KEY_MAP: list[tuple[str, str]] = [
    # stem and MobileNetV2 layers
    (r"^backbone\.conv_1\.block\.conv\.", r"backbone.stem.conv."),
    (r"^backbone\.conv_1\.block\.norm\.", r"backbone.stem.bn."),
    (r"^backbone\.layer_([12])\.(\d+)\.block\.exp_1x1\.block\.conv\.", r"backbone.layer\1.\2.expand.conv."),
    (r"^backbone\.layer_([12])\.(\d+)\.block\.exp_1x1\.block\.norm\.", r"backbone.layer\1.\2.expand.bn."),
    (r"^backbone\.layer_([12])\.(\d+)\.block\.conv_3x3\.block\.conv\.", r"backbone.layer\1.\2.depthwise.conv."),
    (r"^backbone\.layer_([12])\.(\d+)\.block\.conv_3x3\.block\.norm\.", r"backbone.layer\1.\2.depthwise.bn."),
    (r"^backbone\.layer_([12])\.(\d+)\.block\.red_1x1\.block\.conv\.", r"backbone.layer\1.\2.project.conv."),
    (r"^backbone\.layer_([12])\.(\d+)\.block\.red_1x1\.block\.norm\.", r"backbone.layer\1.\2.project.bn."),
    # mixed-attention stages: down-sampling inverted residual (index 0) and the attention block (index 1)
    (rf"^{_STAGE}\.0\.block\.exp_1x1\.block\.conv\.", r"backbone.layer\1.downsample.expand.conv."),
    (rf"^{_STAGE}\.0\.block\.exp_1x1\.block\.norm\.", r"backbone.layer\1.downsample.expand.bn."),
    (rf"^{_STAGE}\.0\.block\.conv_3x3\.block\.conv\.", r"backbone.layer\1.downsample.depthwise.conv."),
    (rf"^{_STAGE}\.0\.block\.conv_3x3\.block\.norm\.", r"backbone.layer\1.downsample.depthwise.bn."),
    (rf"^{_STAGE}\.0\.block\.red_1x1\.block\.conv\.", r"backbone.layer\1.downsample.project.conv."),
    (rf"^{_STAGE}\.0\.block\.red_1x1\.block\.norm\.", r"backbone.layer\1.downsample.project.bn."),
    (rf"^{_STAGE}\.1\.local_rep\.0\.block\.conv\.", r"backbone.layer\1.mixer.local_dw.conv."),
    (rf"^{_STAGE}\.1\.local_rep\.0\.block\.norm\.", r"backbone.layer\1.mixer.local_dw.bn."),
    (rf"^{_STAGE}\.1\.local_rep\.1\.block\.conv\.", r"backbone.layer\1.mixer.local_pw."),
    (rf"^{_STAGE}\.1\.conv_proj\.block\.conv\.", r"backbone.layer\1.mixer.proj.conv."),
    (rf"^{_STAGE}\.1\.conv_proj\.block\.norm\.", r"backbone.layer\1.mixer.proj.bn."),
    (rf"^{_STAGE}\.1\.{_ATTN}\.pre_norm_attn\.0\.", r"backbone.layer\1.mixer.stack.blocks.\2.norm_attn."),
    (rf"^{_STAGE}\.1\.{_ATTN}\.pre_norm_attn\.1\.qkv_proj\.block\.conv\.",
     r"backbone.layer\1.mixer.stack.blocks.\2.attn.qkv."),
    (rf"^{_STAGE}\.1\.{_ATTN}\.pre_norm_attn\.1\.out_proj\.block\.conv\.",
     r"backbone.layer\1.mixer.stack.blocks.\2.attn.out."),
    (rf"^{_STAGE}\.1\.{_ATTN}\.pre_norm_ffn\.0\.", r"backbone.layer\1.mixer.stack.blocks.\2.norm_ffn."),
    (rf"^{_STAGE}\.1\.{_ATTN}\.pre_norm_ffn\.1\.block\.conv\.", r"backbone.layer\1.mixer.stack.blocks.\2.ffn_in."),
    (rf"^{_STAGE}\.1\.{_ATTN}\.pre_norm_ffn\.3\.block\.conv\.", r"backbone.layer\1.mixer.stack.blocks.\2.ffn_out."),
    (rf"^{_STAGE}\.1\.global_rep\.\d+\.(weight|bias)$", r"backbone.layer\1.mixer.stack.norm.\2"),
    # neck: BN adjustment + point-wise correlation with channel attention + channel adjustment
    (r"^neck\.BN_x\.", r"neck.bn_search."),
    (r"^neck\.BN_z\.", r"neck.bn_template."),
    (r"^feature_fusor\.pw_corr\.CA_layer\.fc1\.", r"neck.attention_in."),
    (r"^feature_fusor\.pw_corr\.CA_layer\.fc2\.", r"neck.attention_out."),
    (r"^feature_fusor\.adj_layer\.", r"neck.adjust."),
    # head: two separable-self-attention branches (cls, reg) and three conv towers (ctr, offset, size)
    (r"^box_head\.pre_ssat_(cls|reg)\.block\.conv\.", r"head.\1.pre.conv."),
    (r"^box_head\.pre_ssat_(cls|reg)\.block\.norm\.", r"head.\1.pre.bn."),
    (r"^box_head\.global_rep_(cls|reg)\.(\d+)\.pre_norm_attn\.0\.", r"head.\1.stack.blocks.\2.norm_attn."),
    (r"^box_head\.global_rep_(cls|reg)\.(\d+)\.pre_norm_attn\.1\.qkv_proj\.block\.conv\.",
     r"head.\1.stack.blocks.\2.attn.qkv."),
    (r"^box_head\.global_rep_(cls|reg)\.(\d+)\.pre_norm_attn\.1\.out_proj\.block\.conv\.",
     r"head.\1.stack.blocks.\2.attn.out."),
    (r"^box_head\.global_rep_(cls|reg)\.(\d+)\.pre_norm_ffn\.0\.", r"head.\1.stack.blocks.\2.norm_ffn."),
    (r"^box_head\.global_rep_(cls|reg)\.(\d+)\.pre_norm_ffn\.1\.block\.conv\.", r"head.\1.stack.blocks.\2.ffn_in."),
    (r"^box_head\.global_rep_(cls|reg)\.(\d+)\.pre_norm_ffn\.3\.block\.conv\.", r"head.\1.stack.blocks.\2.ffn_out."),
    (r"^box_head\.global_rep_(cls|reg)\.\d+\.(weight|bias)$", r"head.\1.stack.norm.\2"),
    (r"^box_head\.conv([123])_(ctr|offset|size)\.0\.", r"head.\2.conv\1.conv."),
    (r"^box_head\.conv([123])_(ctr|offset|size)\.1\.", r"head.\2.conv\1.bn."),
    (r"^box_head\.conv4_(ctr|offset|size)\.", r"head.\1.out."),
]
_COMPILED_KEY_MAP = [(re.compile(pattern), replacement) for pattern, replacement in KEY_MAP]


def map_reference_key(key: str) -> str:
    """Our parameter name for a reference parameter name (unchanged when no rule applies)."""
    for pattern, replacement in _COMPILED_KEY_MAP:
        if pattern.match(key):
            return pattern.sub(replacement, key, count=1)
    return key


def is_reference_state_dict(state_dict: Mapping[str, Any]) -> bool:
    """Whether ``state_dict`` uses the reference's parameter names."""
    return any(key.startswith(("backbone.conv_1.", "box_head.", "feature_fusor.")) for key in state_dict)


def to_our_keys(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a reference state_dict to our names; our own names pass through unchanged."""
    if not is_reference_state_dict(state_dict):
        return dict(state_dict)
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        new_key = map_reference_key(key)
        if new_key in renamed:
            raise CheckpointError(f"key map sends two checkpoint entries to {new_key!r} (second: {key!r})")
        renamed[new_key] = value
    return renamed


class Opaque:
    """Inert stand-in for any pickled object whose class is not on the allow-list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(type(self), 'qualified_name', '?')}>"


def _opaque_class(module: str, name: str) -> type:
    """A fresh Opaque subclass that remembers the qualified name it replaces."""
    return type("Opaque", (Opaque,), {"qualified_name": f"{module}.{name}"})


_STORAGE_DTYPES = {
    "DoubleStorage": torch.float64,
    "FloatStorage": torch.float32,
    "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}


class _StorageType:
    """Marker for a pickled ``torch.<Type>Storage`` reference: only its dtype is used."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype


def _rebuild_tensor(storage: torch.Tensor, offset: int, size: tuple, stride: tuple, *_: Any) -> torch.Tensor:
    """Tensor view over a loaded storage (the safe twin of ``torch._utils._rebuild_tensor_v2``)."""
    if not isinstance(storage, torch.Tensor):
        raise CheckpointError("corrupt checkpoint: a tensor refers to something that is not a storage")
    return torch.as_strided(storage, tuple(size), tuple(stride), int(offset))


def _rebuild_parameter(data: torch.Tensor, *_: Any) -> torch.Tensor:
    """Plain tensor for a pickled ``nn.Parameter``."""
    return data


_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that materialises tensors and containers only; every other global becomes an Opaque class."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(io.BytesIO(data))
        self._archive = archive
        self._prefix = prefix
        self._storages: dict[str, torch.Tensor] = {}

    def find_class(self, module: str, name: str) -> Any:
        """Allow-listed callables, dtype markers for storages, Opaque classes for the rest."""
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        return _opaque_class(module, name)

    def persistent_load(self, pid: Any) -> torch.Tensor:
        """Flat tensor holding the bytes of storage ``pid`` from the archive."""
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"corrupt checkpoint: unsupported persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1], str(pid[2]), pid[3], int(pid[4])
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"corrupt checkpoint: unknown storage type {storage_type!r}")
        if key not in self._storages:
            try:
                raw = self._archive.read(f"{self._prefix}data/{key}")
            except KeyError:
                raise CheckpointError(f"corrupt checkpoint: storage {key} is missing from the archive") from None
            flat = torch.frombuffer(bytearray(raw), dtype=storage_type.dtype) if raw else torch.empty(
                0, dtype=storage_type.dtype
            )
            if flat.numel() < numel:
                raise CheckpointError(f"corrupt checkpoint: storage {key} holds {flat.numel()} of {numel} elements")
            self._storages[key] = flat
        return self._storages[key]


def read_pickled_checkpoint(path: Path) -> Any:
    """Unpickle a ``torch.save`` zip archive without executing anything from it."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise CheckpointError(
            f"{path}: not a torch.save zip archive (truncated, corrupt, or the legacy pre-1.6 format)"
        ) from None
    with archive:
        pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(f"{path}: expected one data.pkl in the archive, found {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        names = set(archive.namelist())
        if prefix + "byteorder" in names and archive.read(prefix + "byteorder").decode().strip() != "little":
            raise CheckpointError(f"{path}: big-endian checkpoints are not supported")
        try:
            return RestrictedUnpickler(archive.read(pickles[0]), archive, prefix).load()
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, ValueError, TypeError, RuntimeError) as exc:
            raise CheckpointError(f"{path}: corrupt checkpoint ({type(exc).__name__}: {exc})") from None


def _extract_state_dict(obj: Any, path: Path) -> dict[str, torch.Tensor]:
    """The state_dict inside an unpickled checkpoint (``net``, ``model`` or ``state_dict`` entry, or itself)."""
    if isinstance(obj, Mapping):
        for entry in ("net", "model", "state_dict"):
            if entry in obj and isinstance(obj[entry], Mapping):
                obj = obj[entry]
                break
    if not isinstance(obj, Mapping) or not obj:
        raise CheckpointError(f"{path}: no state_dict found (expected a dict of tensors or a dict with 'net')")
    bad = [key for key, value in obj.items() if not isinstance(value, torch.Tensor)]
    if bad:
        raise CheckpointError(f"{path}: state_dict entries that are not tensors: {bad[:5]}")
    return {str(key): value for key, value in obj.items()}


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """State dict (our parameter names) from an official .pth.tar, a plain state_dict file or safetensors."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith(b"PK"):
        state_dict = _extract_state_dict(read_pickled_checkpoint(path), path)
    else:
        try:
            state_dict = load_safetensors_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(
                f"{path}: neither a torch.save archive nor a valid safetensors file ({exc})"
            ) from None
    return to_our_keys(state_dict)


def check_and_load(model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], source: str) -> None:
    """Strictly load ``state_dict`` into ``model``; one CheckpointError lists every mismatch."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    shapes = sorted(
        f"{key}: checkpoint {tuple(state_dict[key].shape)} vs model {tuple(expected[key].shape)}"
        for key in set(expected) & set(state_dict)
        if state_dict[key].shape != expected[key].shape
    )
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys ({len(missing)}): {missing}")
        if unexpected:
            parts.append(f"unexpected keys ({len(unexpected)}): {unexpected}")
        if shapes:
            parts.append(f"shape mismatches ({len(shapes)}): {shapes}")
        raise CheckpointError(f"{source} does not fit the SMAT network: " + "; ".join(parts))
    model.load_state_dict(dict(state_dict), strict=True)


def load_weights(model: torch.nn.Module, path: str | Path) -> None:
    """Load the weights file at ``path`` (any supported format) strictly into ``model``."""
    check_and_load(model, load_state_dict(path), str(path))


def save_safetensors(
    state_dict: Mapping[str, torch.Tensor], path: str | Path, metadata: dict[str, str] | None = None
) -> None:
    """Write a state_dict (our names) as safetensors."""
    tensors = {key: value.detach().contiguous().cpu() for key, value in state_dict.items()}
    save_safetensors_file(tensors, str(path), metadata=metadata)


def convert(source: str | Path, destination: str | Path) -> int:
    """Convert any supported checkpoint to safetensors with our names; returns the number of tensors."""
    state_dict = load_state_dict(source)
    check_and_load(SMAT(), state_dict, str(source))
    save_safetensors(state_dict, destination, metadata={"format": "smat_ros", "source": Path(source).name})
    log.info("wrote %d tensors to %s", len(state_dict), destination)
    return len(state_dict)
