"""YAML onto typed dataclasses: defaults, coercion, unknown keys and wrong types."""
from __future__ import annotations

from pathlib import Path

import pytest

from smat_ros.config import ConfigError, ModelConfig, TrackerConfig, from_dict, load_yaml, to_dict


def test_defaults_are_the_papers() -> None:
    assert (TrackerConfig().template_factor, TrackerConfig().search_factor) == (2.0, 4.0)
    assert (ModelConfig().template_size, ModelConfig().search_size, ModelConfig().feat_size) == (128, 256, 16)


def test_yaml_maps_onto_dataclass(tmp_path: Path) -> None:
    path = tmp_path / "tracker.yaml"
    path.write_text("search_factor: 5\nclip_margin: 4\n")
    config = load_yaml(TrackerConfig, path)
    assert config.search_factor == 5.0 and isinstance(config.search_factor, float)
    assert to_dict(config)["clip_margin"] == 4


@pytest.mark.parametrize(
    "data, message",
    [
        ({"search_factr": 4.0}, "unknown keys"),
        ({"search_size": "256"}, "expected an integer"),
        ({"search_size": 256.5}, "expected an integer"),
        ({"search_factor": True}, "expected a number"),
    ],
)
def test_bad_keys_and_types(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_dict(TrackerConfig, data)


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_yaml(TrackerConfig, tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_yaml(TrackerConfig, bad)
