"""smat-track end to end: boxes file, rendered video, one-line errors."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smat_ros.video import FrameSource

ROOT = Path(__file__).resolve().parents[2]


def run_track(*args: str) -> subprocess.CompletedProcess:
    """python -m smat_ros.track with ``args``, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "smat_ros.track", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def short_sequence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 8 vtest_person frames."""
    folder = tmp_path_factory.mktemp("seq")
    for image in sorted((ROOT / "test/fixtures/vtest_person/img").iterdir())[:8]:
        shutil.copy(image, folder / image.name)
    return folder


def test_track_writes_boxes_and_video(
    tmp_path: Path, short_sequence: Path, checkpoint_path: Path, reference_track: dict
) -> None:
    boxes_out, video_out = tmp_path / "boxes.txt", tmp_path / "out.mp4"
    result = run_track(
        "--checkpoint", str(checkpoint_path), "--input", str(short_sequence), "--init", "639,240,46,81",
        "--device", "cpu", "--boxes-out", str(boxes_out), "--video-out", str(video_out),
    )
    assert result.returncode == 0, result.stderr
    lines = boxes_out.read_text().splitlines()
    assert len(lines) == 8 and lines[0] == "639.0000,240.0000,46.0000,81.0000"
    boxes = np.array([[float(v) for v in line.split(",")] for line in lines])
    np.testing.assert_allclose(boxes, reference_track["boxes_xywh"][:8], atol=1e-3)
    assert len(list(FrameSource(video_out))) == 8
    assert "tracking" in result.stderr  # the progress bar


@pytest.mark.parametrize(
    "args, message",
    [
        (["--checkpoint", "missing.pth", "--init", "1,2,3,4"], "checkpoint not found"),
        (["--init", "1,2,3"], "four numbers"),
        (["--init", "900,900,5,5"], "entirely outside"),
    ],
)
def test_errors_are_one_line(short_sequence: Path, checkpoint_path: Path, args: list[str], message: str) -> None:
    base = {"--checkpoint": str(checkpoint_path), "--input": str(short_sequence), "--device": "cpu"}
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    merged = {**base, **pairs}
    result = run_track(*[item for pair in merged.items() for item in pair])
    assert result.returncode == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("smat-track: error:")]
    assert len(error_lines) == 1 and message in error_lines[0]
    assert "Traceback" not in result.stderr


def test_without_checkpoint_the_demo_weights_are_used(tmp_path: Path, short_sequence: Path) -> None:
    boxes_out = tmp_path / "boxes.txt"
    result = run_track("--input", str(short_sequence), "--init", "639,240,46,81", "--device", "cpu",
                       "--boxes-out", str(boxes_out))
    assert result.returncode == 0, result.stderr
    assert "using the demo weights" in result.stderr and "smat_demo.safetensors" in result.stderr
    assert len(boxes_out.read_text().splitlines()) == 8


def test_empty_input_folder_and_help(tmp_path: Path, checkpoint_path: Path) -> None:
    result = run_track("--checkpoint", str(checkpoint_path), "--input", str(tmp_path), "--init", "1,2,3,4")
    assert result.returncode == 1 and "no images" in result.stderr and "Traceback" not in result.stderr
    assert "--boxes-out" in run_track("--help").stdout


def test_convert_cli(tmp_path: Path, checkpoint_path: Path) -> None:
    out = tmp_path / "w.safetensors"
    result = subprocess.run(
        [sys.executable, "-m", "smat_ros.cli.convert", str(checkpoint_path), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1_000_000
    bad = subprocess.run(
        [sys.executable, "-m", "smat_ros.cli.convert", str(tmp_path / "none"), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 1 and bad.stderr.strip().startswith("smat-convert: error: checkpoint not found")


def test_onnxruntime_backend_from_the_cli(tmp_path: Path, short_sequence: Path, checkpoint_path: Path,
                                          reference_track: dict) -> None:
    boxes_out = tmp_path / "boxes.txt"
    result = run_track(
        "--checkpoint", str(checkpoint_path), "--input", str(short_sequence), "--init", "639,240,46,81",
        "--device", "cpu", "--backend", "onnxruntime", "--threads", "1", "--boxes-out", str(boxes_out),
    )
    assert result.returncode == 0, result.stderr
    boxes = np.array([[float(v) for v in line.split(",")] for line in boxes_out.read_text().splitlines()])
    np.testing.assert_allclose(boxes, reference_track["boxes_xywh"][:8], atol=0.5)
    bad = run_track("--checkpoint", str(checkpoint_path), "--input", str(short_sequence), "--init", "639,240,46,81",
                    "--device", "cpu", "--provider", "cuda")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "provider" in bad.stderr


def test_reacquire_writes_states_and_nan_boxes_while_lost(tmp_path: Path) -> None:
    import cv2

    from smat_ros.follow.scenarios import shift_frame
    from smat_ros.video import list_images, read_image

    folder = tmp_path / "jerk"
    folder.mkdir()
    for index, image in enumerate(list_images(ROOT / "test/fixtures/vtest_person/img")[:20]):
        frame = read_image(image) if index < 10 else shift_frame(read_image(image), -230, 0)  # a camera jerk
        cv2.imwrite(str(folder / f"{index + 1:08d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    boxes_out, states_out, config = tmp_path / "boxes.txt", tmp_path / "states.txt", tmp_path / "follow.yaml"
    config.write_text("states: {found_after_frames: 2}\nreacquire: {budget: 1}\n")
    result = run_track("--input", str(folder), "--init", "639,240,46,81", "--device", "cpu", "--reacquire",
                       "--follow-config", str(config), "--boxes-out", str(boxes_out), "--states-out", str(states_out))
    assert result.returncode == 0, result.stderr
    states = states_out.read_text().splitlines()
    boxes = boxes_out.read_text().splitlines()
    assert len(states) == len(boxes) == 20
    assert states[:10] == ["TRACKING"] * 10
    lost = [i for i, s in enumerate(states) if s == "LOST"]
    assert lost and all(boxes[i] == "nan,nan,nan,nan" for i in lost)
    assert states[-1] == "TRACKING" and "nan" not in boxes[-1]  # found again after the jerk
    assert float(boxes[-1].split(",")[0]) < 639 - 230  # on the shifted person, not where he was


def test_follow_config_unknown_key_is_a_one_line_error(tmp_path: Path, short_sequence: Path) -> None:
    config = tmp_path / "follow.yaml"
    config.write_text("states: {lost_after: 3}\n")
    result = run_track("--input", str(short_sequence), "--init", "639,240,46,81", "--device", "cpu",
                       "--follow-config", str(config))
    assert result.returncode == 1 and "unknown keys" in result.stderr and "Traceback" not in result.stderr


def test_backend_choices_come_from_the_backends_module() -> None:
    from smat_ros.backends.options import BACKEND_CHOICES, PRECISIONS
    from smat_ros.cli.track import build_parser

    actions = {action.dest: action for action in build_parser()._actions}
    assert tuple(actions["backend"].choices) == BACKEND_CHOICES and actions["backend"].default == "auto"
    assert tuple(actions["precision"].choices) == PRECISIONS
