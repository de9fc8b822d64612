"""`pip install .` into a fresh virtual environment gives a working core install.

The fresh venv gets no packages of its own except smat_ros: its dependencies come from the project venv through a
``.pth`` file (no downloads, so CI stays offline-safe), and the packages of the extras (matplotlib, tensorboard,
rosbags, aiohttp) are made unimportable in it. The test proves that the package builds from a copy of the sources,
that pip finds every ``install_requires`` entry satisfied by the pinned requirements (no ``--no-deps``), that
modules, ``py.typed`` and the demo weights land in the fresh prefix, that each console script's ``--help`` runs
there with the core dependencies only, and that training without its extra fails with one line naming
``smat_ros[train]``. It does not prove that PyPI would resolve the ranges to working versions other than the pinned
ones.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONSOLE_SCRIPTS = ("smat-track", "smat-convert", "smat-eval", "smat-train", "smat-export", "smat-replay")
EXTRAS_ONLY = ("matplotlib", "tensorboard", "rosbags", "aiohttp")
BLOCKER = f"""
import importlib.abc, sys
class _BlockExtras(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {EXTRAS_ONLY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (an extra, blocked in this venv)", name=name)
sys.meta_path.insert(0, _BlockExtras())
"""


def copy_sources(destination: Path) -> Path:
    """The files setup.py packages, copied so that the build does not write into the checkout."""
    shutil.copy(ROOT / "setup.py", destination / "setup.py")
    shutil.copytree(ROOT / "smat_ros", destination / "smat_ros", ignore=shutil.ignore_patterns("__pycache__"))
    (destination / "weights").mkdir()
    for name in ("smat_demo.safetensors", "smat_demo_association.json", "MODEL_CARD.md"):
        shutil.copy(ROOT / "weights" / name, destination / "weights" / name)
    shutil.copytree(ROOT / "msg", destination / "msg")
    shutil.copytree(ROOT / "interfaces", destination / "interfaces")
    return destination


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with smat_ros installed by pip from a copy of the sources; extras blocked."""
    base = tmp_path_factory.mktemp("packaging")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                                   "print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True,
                                  check=True).stdout.strip())
    deps = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()})
    (purelib / "project_dependencies.pth").write_text("\n".join(deps) + "\n")
    (purelib / "_block_extras.py").write_text(BLOCKER)
    (purelib / "block_extras.pth").write_text("import _block_extras\n")
    (base / "src").mkdir()
    sources = copy_sources(base / "src")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-index",
         "--no-build-isolation", "--no-cache-dir", str(sources)],
        capture_output=True, text=True, timeout=600, cwd=base,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return venv


def run_in(venv: Path, *command: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a program of ``venv`` outside the checkout (so the source tree is not on sys.path), with no ament
    prefixes of the test run in its environment (they would name the project venv's installed data first)."""
    env = {key: value for key, value in os.environ.items() if key != "AMENT_PREFIX_PATH"}
    return subprocess.run([str(venv / "bin" / command[0]), *command[1:]], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


def test_every_console_script_is_tested(fresh_venv: Path, tmp_path: Path) -> None:
    """The list below covers the entry points pip installed (a new command gets its --help test)."""
    code = ("from importlib.metadata import distribution; "
            "print(' '.join(sorted(e.name for e in distribution('smat_ros').entry_points "
            "if e.group == 'console_scripts')))")
    result = run_in(fresh_venv, "python", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(CONSOLE_SCRIPTS)


def test_the_package_and_its_data_are_installed_in_the_fresh_prefix(fresh_venv: Path, tmp_path: Path) -> None:
    code = ("import pathlib, sys, smat_ros, smat_ros.weights as w; p = pathlib.Path(smat_ros.__file__).parent; "
            "print(p); print((p / 'py.typed').is_file()); print(w.find_demo_weights()); print(w.demo_association()); "
            "print(any(m.split('.')[0] == 'torch' for m in sys.modules))")
    result = run_in(fresh_venv, "python", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    package, typed, weights, association, torch_loaded = result.stdout.split()
    assert Path(package).is_relative_to(fresh_venv) and typed == "True" and torch_loaded == "False"
    assert Path(weights) == fresh_venv / "share" / "smat_ros" / "weights" / "smat_demo.safetensors"
    assert Path(association) == fresh_venv / "share" / "smat_ros" / "weights" / "smat_demo_association.json"


def test_extras_are_blocked_in_the_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    """The premise of the --help tests: matplotlib and tensorboard cannot be imported there."""
    result = run_in(fresh_venv, "python", "-c", "import matplotlib", cwd=tmp_path)
    assert result.returncode != 0 and "an extra, blocked in this venv" in result.stderr


@pytest.mark.parametrize("script", CONSOLE_SCRIPTS)
def test_each_console_script_helps_with_the_core_install(fresh_venv: Path, tmp_path: Path, script: str) -> None:
    result = run_in(fresh_venv, script, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {script}")


def test_training_without_its_extra_names_the_extra(fresh_venv: Path, tmp_path: Path) -> None:
    result = run_in(fresh_venv, "smat-train", "--config", str(ROOT / "config" / "train_demo.yaml"), "--data-root",
                    str(tmp_path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("smat-train: error: smat_ros.train.loop needs the "
                                                             "'matplotlib' package: pip install 'smat_ros[train]'")
