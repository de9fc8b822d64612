"""The runner with a stand-in tracker: boxes and times written officially, worker processes, resume."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from eval_layouts import ScriptedFactory, expected_scripted_boxes, make_folder_sequence, make_got10k, moving_boxes

from smat_ros.datasets import load_dataset
from smat_ros.eval.errors import EvalError
from smat_ros.eval.results import read_boxes, read_times
from smat_ros.eval.runner import run_sequences

LENGTHS = {"GOT-10k_Test_000001": 4, "GOT-10k_Test_000002": 6, "GOT-10k_Test_000003": 3}


def _calls(log: Path) -> list[str]:
    """Tracker calls recorded by the stand-in trackers."""
    return log.read_text().split() if log.exists() else []


@pytest.mark.parametrize("workers", [1, 2])
def test_run_writes_official_files_and_resumes(tmp_path: Path, workers: int) -> None:
    truths = make_got10k(tmp_path / "data", "test", LENGTHS)
    sequences = load_dataset("got10k_test", tmp_path / "data").sequences()
    results, log = tmp_path / "results", tmp_path / "calls.log"

    summary = run_sequences(sequences, "got10k", results, ScriptedFactory(str(log)), workers=workers, progress=False)

    assert sorted(summary.tracked) == sorted(LENGTHS) and summary.skipped == []
    for name, count in LENGTHS.items():
        boxes = read_boxes(results / name / f"{name}_001.txt", count)
        assert np.allclose(boxes, expected_scripted_boxes(truths[name][0], count), atol=1e-3)
        times = read_times(results, "got10k", name)
        assert len(times) == count and (times >= 0).all()
    assert _calls(log).count("initialize") == 3 and _calls(log).count("track") == sum(LENGTHS.values()) - 3
    with zipfile.ZipFile(summary.submission) as archive:
        assert len(archive.namelist()) == 2 * len(LENGTHS)

    (results / "GOT-10k_Test_000002" / "GOT-10k_Test_000002_001.txt").unlink()  # an unfinished sequence
    mtime = (results / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_001.txt").stat().st_mtime_ns
    log.unlink()
    again = run_sequences(sequences, "got10k", results, ScriptedFactory(str(log)), workers=workers, progress=False)

    assert again.tracked == ["GOT-10k_Test_000002"]
    assert sorted(again.skipped) == ["GOT-10k_Test_000001", "GOT-10k_Test_000003"]
    assert _calls(log).count("initialize") == 1
    assert (results / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_001.txt").stat().st_mtime_ns == mtime


def test_truncated_result_is_tracked_again(tmp_path: Path) -> None:
    make_folder_sequence(tmp_path / "data" / "seq", moving_boxes(5, 0))
    sequences = load_dataset("folder", tmp_path / "data").sequences()
    results = tmp_path / "results"
    run_sequences(sequences, "folder", results, ScriptedFactory(), progress=False)
    (results / "seq.txt").write_text("".join((results / "seq.txt").read_text().splitlines(True)[:3]))
    assert run_sequences(sequences, "folder", results, ScriptedFactory(), progress=False).tracked == ["seq"]
    assert len(read_boxes(results / "seq.txt", 5)) == 5


def test_unreadable_frame_and_bad_first_box_are_named(tmp_path: Path) -> None:
    make_folder_sequence(tmp_path / "data" / "seq", moving_boxes(3, 0))
    frame = tmp_path / "data" / "seq" / "img" / "00000002.jpg"
    frame.write_bytes(b"not a jpeg")
    sequences = load_dataset("folder", tmp_path / "data").sequences()
    with pytest.raises(EvalError, match=f"{frame}: cannot read image"):
        run_sequences(sequences, "folder", tmp_path / "results", ScriptedFactory(), progress=False)
    (tmp_path / "data" / "seq" / "groundtruth.txt").write_text("1,2,0,4\n1,2,3,4\n1,2,3,4\n")
    sequences = load_dataset("folder", tmp_path / "data").sequences()
    with pytest.raises(EvalError, match=r"groundtruth.txt: first box .* has no positive finite size"):
        run_sequences(sequences, "folder", tmp_path / "results", ScriptedFactory(), progress=False)


def test_worker_errors_reach_the_caller(tmp_path: Path) -> None:
    make_folder_sequence(tmp_path / "data" / "a", moving_boxes(3, 0))
    make_folder_sequence(tmp_path / "data" / "b", moving_boxes(3, 1))
    bad = tmp_path / "data" / "b" / "img" / "00000003.jpg"
    bad.write_bytes(b"")
    sequences = load_dataset("folder", tmp_path / "data").sequences()
    with pytest.raises(EvalError, match=f"{bad}: cannot read image"):
        run_sequences(sequences, "folder", tmp_path / "results", ScriptedFactory(), workers=2, progress=False)
