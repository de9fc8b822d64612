"""Typed configuration with the reference's defaults (config `mobilevitv2_256_128x1_ep300`).

YAML maps onto these dataclasses through :func:`from_dict` / :func:`load_yaml`; unknown keys are errors.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from smat_ros.errors import ConfigError

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """SMAT network architecture (MobileViTv2-1.0 backbone, BN_PWXCORR neck, CENTER_SSAT head)."""

    width_multiplier: float = 1.0
    mixed_attention: bool = True
    template_size: int = 128
    search_size: int = 256
    stride: int = 16
    head_channels: int = 128
    head_cls_blocks: int = 2
    head_reg_blocks: int = 4

    @property
    def feat_size(self) -> int:
        """Side of the search feature map (and of the score map) in cells."""
        return self.search_size // self.stride


@dataclasses.dataclass(frozen=True)
class TrackerConfig:
    """Tracker geometry: context factors and crop sizes as in the reference test settings.

    The crop sizes are the network's input sizes: they must equal the model's (:func:`check_crop_sizes`).
    """

    template_factor: float = 2.0
    template_size: int = 128
    search_factor: float = 4.0
    search_size: int = 256
    clip_margin: int = 10


def check_crop_sizes(tracker: TrackerConfig, model: ModelConfig) -> None:
    """Raise ConfigError unless the tracker crops at the sizes the network takes."""
    for name in ("template_size", "search_size"):
        crop, network = getattr(tracker, name), getattr(model, name)
        if crop != network:
            raise ConfigError(f"TrackerConfig.{name}={crop} does not match the network's ModelConfig.{name}={network}")


def _check_type(cls_name: str, key: str, value: Any, hint: Any) -> Any:
    """Return ``value`` coerced to ``hint`` when that is lossless, else raise ConfigError."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _check_type(cls_name, key, value, arg)
            except ConfigError:
                continue
        raise ConfigError(f"{cls_name}.{key}: expected {hint}, got {value!r}")
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{cls_name}.{key}: expected a list, got {value!r}")
        args = typing.get_args(hint)
        item = args[0] if args else Any
        items = [value_item if item is Any else _check_type(cls_name, key, value_item, item) for value_item in value]
        return tuple(items) if origin is tuple else items
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{cls_name}.{key}: expected a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{cls_name}.{key}: expected an integer, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{cls_name}.{key}: expected true/false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{cls_name}.{key}: expected a string, got {value!r}")
        return value
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{cls_name}.{key}: expected a mapping, got {value!r}")
        return from_dict(typing.cast(type, hint), value)
    return value


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build dataclass ``cls`` from a mapping; unknown keys and wrong types raise ConfigError."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{cls.__name__}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(typing.cast(Any, cls))}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown keys {unknown}; known keys are {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    values = {key: _check_type(cls.__name__, key, value, hints[key]) for key, value in data.items()}
    return cls(**values)


def to_dict(config: Any) -> dict[str, Any]:
    """Plain-dict form of a config dataclass (for YAML, checkpoints and logs)."""
    return dataclasses.asdict(config)


def load_yaml(cls: type[T], path: str | Path) -> T:
    """Load a YAML file onto dataclass ``cls`` (an empty file gives the defaults)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    return from_dict(cls, data)
