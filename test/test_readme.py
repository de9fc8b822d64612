"""The README's code examples run as written: every ```python block, and the shell block of "The official
checkpoint" (smat-convert, then smat-track). Their file names are served from the fixtures: the reference-format
checkpoint stands in for ``MobileViTv2_Track_ep0300.pth.tar`` (the same format), vtest_person frames for
``frame0.jpg`` / ``frame1.jpg`` and a short video written from them for ``video.mp4``."""
from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smat_ros.video import FrameSource, VideoWriter, read_image

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FRAMES = sorted((ROOT / "test" / "fixtures" / "vtest_person" / "img").iterdir())
CONSOLE_MODULES = {"smat-convert": "smat_ros.cli.convert", "smat-track": "smat_ros.cli.track"}


def code_blocks(language: str) -> list[str]:
    """The README's fenced blocks of ``language``."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def section(title: str) -> str:
    """The README text from heading ``title`` to the next heading."""
    start = README.index(title)
    following = re.search(r"^#", README[start + len(title):], flags=re.MULTILINE)
    return README[start: start + len(title) + (following.start() if following else len(README))]


@pytest.fixture
def workdir(tmp_path: Path, checkpoint_path: Path) -> Path:
    """A folder holding the files the examples name."""
    shutil.copy(checkpoint_path, tmp_path / "MobileViTv2_Track_ep0300.pth.tar")
    shutil.copy(FRAMES[0], tmp_path / "frame0.jpg")
    shutil.copy(FRAMES[1], tmp_path / "frame1.jpg")
    first = read_image(FRAMES[0])
    with VideoWriter(tmp_path / "video.mp4", 10.0, (first.shape[1], first.shape[0])) as writer:
        for path in FRAMES[:4]:
            writer.write(read_image(path))
    return tmp_path


def environment() -> dict[str, str]:
    """This interpreter's environment with the checkout first on the path."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_there_are_python_examples() -> None:
    assert len(code_blocks("python")) >= 1


@pytest.mark.parametrize("index", range(len(code_blocks("python"))))
def test_python_example_runs(workdir: Path, index: int) -> None:
    code = code_blocks("python")[index]
    result = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=300,
                            env=environment())
    assert result.returncode == 0, result.stderr
    if "print(result.box, result.score)" in code:
        box, score = result.stdout.strip().rsplit(" ", 1)
        assert len(ast.literal_eval(box)) == 4 and 0.0 <= float(score) <= 1.0


def test_checkpoint_conversion_and_tracking_example_runs(workdir: Path) -> None:
    """smat-convert writes safetensors; smat-track on it writes one box per frame of video.mp4."""
    block = re.search(r"```bash\n(.*?)```", section("### The official checkpoint"), flags=re.DOTALL).group(1)
    for command in block.replace("\\\n", " ").strip().splitlines():
        words = shlex.split(command, comments=True)
        program = [sys.executable, "-m", CONSOLE_MODULES[words[0]]]
        result = subprocess.run(program + words[1:] + (["--device", "cpu"] if words[0] == "smat-track" else []),
                                cwd=workdir, capture_output=True, text=True, timeout=300, env=environment())
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    assert (workdir / "smat.safetensors").stat().st_size > 1_000_000
    assert len((workdir / "boxes.txt").read_text().splitlines()) == len(list(FrameSource(workdir / "video.mp4")))
    assert len(list(FrameSource(workdir / "tracked.mp4"))) == 4
