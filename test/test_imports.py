"""Light imports: the package, its video I/O and the node's parameter module load without torch; the training loop
loads without the tracker and the exporter; torch sees OMP_WAIT_POLICY=PASSIVE unless the user set it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def loaded_after(code: str) -> list:
    """Run ``code`` in a fresh interpreter; it prints a JSON value, returned here."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("module", ["smat_ros", "smat_ros.video", "smat_ros.ros.parameters", "smat_ros.datasets",
                                    "smat_ros.eval", "smat_ros.textfile", "smat_ros.errors", "smat_ros.weights",
                                    "smat_ros.backends.options", "smat_ros.crop", "smat_ros.follow.states",
                                    "smat_ros.follow.reacquire"])
def test_light_modules_do_not_import_torch(module: str) -> None:
    code = (f"import json, sys, {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')))")
    assert loaded_after(code) == []


def test_tracker_is_loaded_on_first_use() -> None:
    code = ("import json, sys, smat_ros; before = 'torch' in sys.modules; tracker = smat_ros.Tracker; "
            "import smat_ros.tracker as t; "
            "print(json.dumps([before, tracker is t.Tracker, smat_ros.TrackResult is t.TrackResult, "
            "'Tracker' in dir(smat_ros)]))")
    assert loaded_after(code) == [False, True, True, True]


def test_unknown_attribute_is_an_attribute_error() -> None:
    import smat_ros

    with pytest.raises(AttributeError, match="no attribute 'Trackr'"):
        smat_ros.Trackr  # noqa: B018


def test_training_does_not_import_the_tracker_or_the_exporter() -> None:
    code = ("import json, sys, smat_ros.train.loop; "
            "print(json.dumps([m for m in ('smat_ros.tracker', 'smat_ros.export', 'smat_ros.backends') "
            "if m in sys.modules]))")
    assert loaded_after(code) == []


@pytest.mark.parametrize("preset, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_omp_wait_policy_is_set_before_torch(preset: str | None, expected: str) -> None:
    """`import smat_ros` sets PASSIVE before torch loads (what torch's OpenMP reads at start); a user value wins."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if preset is not None:
        env["OMP_WAIT_POLICY"] = preset
    code = ("import json, os, sys; import smat_ros; torch_first = 'torch' in sys.modules; "
            "from smat_ros import Tracker; print(json.dumps([torch_first, os.environ['OMP_WAIT_POLICY']]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [False, expected]
