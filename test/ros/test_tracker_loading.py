"""The node's tracker from its parameters: missing checkpoints and backend options (no DDS)."""
from __future__ import annotations

import dataclasses

import pytest

from smat_ros.errors import StartupError
from smat_ros.ros.parameters import DEFAULTS
from smat_ros.ros.tracker_loading import backend_options, load_tracker


def test_half_means_fp16_and_says_it_is_deprecated():
    warnings: list[str] = []
    options = backend_options(dataclasses.replace(DEFAULTS, half=True), warnings.append)
    assert options.precision == "fp16"
    assert warnings == ["parameter 'half' is deprecated: use precision:=fp16"]


def test_half_contradicting_the_precision_is_a_startup_error():
    with pytest.raises(StartupError, match="'half' contradicts precision 'int8'"):
        backend_options(dataclasses.replace(DEFAULTS, half=True, precision="int8"), print)


def test_the_options_follow_the_parameters_without_a_warning():
    warnings: list[str] = []
    options = backend_options(dataclasses.replace(DEFAULTS, threads=2, graph="eager"), warnings.append)
    assert (options.precision, options.graph, options.threads) == ("fp32", "eager", 2)
    assert warnings == []


def test_a_missing_checkpoint_is_a_startup_error_naming_it(tmp_path):
    missing = tmp_path / "nothing.pth.tar"
    with pytest.raises(StartupError, match=f"checkpoint not found: {missing}"):
        load_tracker(dataclasses.replace(DEFAULTS, checkpoint=str(missing)), print)
