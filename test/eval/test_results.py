"""Official result files: layout, round trip, completeness, submission zips and errors on malformed files."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from eval_layouts import make_got10k

from smat_ros.datasets import load_dataset
from smat_ros.errors import DataFileError
from smat_ros.eval.analysis import score_sequence
from smat_ros.eval.errors import EvalError
from smat_ros.eval.results import (
    box_file,
    is_finished,
    pack_submission,
    read_boxes,
    read_repetitions,
    read_times,
    time_file,
    write_result,
)

BOXES = np.array([[1.0, 2.0, 30.5, 40.25], [3.125, 4.0, 31.0, 41.0], [5.0, 6.0, 32.0, 42.0]])
TIMES = np.array([0.5, 0.01, 0.02])


def test_got10k_layout_and_round_trip(tmp_path: Path) -> None:
    write_result(tmp_path, "got10k", "GOT-10k_Test_000001", BOXES, TIMES)
    boxes_path = tmp_path / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_001.txt"
    assert box_file(tmp_path, "got10k", "GOT-10k_Test_000001") == boxes_path
    assert boxes_path.read_text().splitlines()[1] == "3.125,4.000,31.000,41.000"
    assert (tmp_path / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_time.txt").read_text().splitlines()[0] == \
        "0.50000000"
    assert np.array_equal(read_boxes(boxes_path, 3), BOXES)
    assert np.array_equal(read_times(tmp_path, "got10k", "GOT-10k_Test_000001"), TIMES)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["GOT-10k_Test_000001", "GOT-10k_Test_000001_001.txt",
                                                            "GOT-10k_Test_000001_time.txt"]  # no temporary left


def test_flat_layout_for_other_benchmarks(tmp_path: Path) -> None:
    write_result(tmp_path, "lasot", "airplane-1", BOXES, TIMES)
    assert (tmp_path / "airplane-1.txt").is_file()
    assert time_file(tmp_path, "lasot", "airplane-1") == tmp_path / "times" / "airplane-1_time.txt"
    (tmp_path / "tabs.txt").write_text("1\t2\t3\t4\n5 6 7 8\n")
    assert read_boxes(tmp_path / "tabs.txt", 2).tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]


def test_finished_needs_full_box_and_time_files(tmp_path: Path) -> None:
    assert not is_finished(tmp_path, "got10k", "s", 3)
    write_result(tmp_path, "got10k", "s", BOXES, TIMES)
    assert is_finished(tmp_path, "got10k", "s", 3)
    assert not is_finished(tmp_path, "got10k", "s", 4)
    time_file(tmp_path, "got10k", "s").unlink()
    assert not is_finished(tmp_path, "got10k", "s", 3)


def test_wrong_line_count_names_the_file(tmp_path: Path) -> None:
    write_result(tmp_path, "trackingnet", "seq", BOXES, TIMES)
    with pytest.raises(EvalError, match=r"seq.txt: 3 lines, expected one box per frame \(5\)"):
        read_repetitions(tmp_path, "trackingnet", "seq", 5)


@pytest.mark.parametrize("line, message", [("1,2,abc,4", "line 2 is not numeric"),
                                           ("1,2,3", "line 2 has 3 values, expected 4"),
                                           ("1,2,nan,4", "line 2 holds a non-finite value"),
                                           ("1,2,-3,4", "line 2 has a negative width or height"),
                                           ("", "line 2 is empty")])
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "seq.txt"
    path.write_text(f"1,2,3,4\n{line}\n1,2,3,4\n")
    with pytest.raises(DataFileError, match=f"{path}: {message}"):
        read_boxes(path, 3)


def test_missing_result_is_named(tmp_path: Path) -> None:
    make_got10k(tmp_path / "data", "val", {"a": 4})
    sequence = load_dataset("got10k_val", tmp_path / "data").load("a")
    with pytest.raises(EvalError, match=r"a/a_001.txt: result file not found"):
        score_sequence(sequence, tmp_path / "results", "got10k")


def test_server_scored_split_cannot_be_analyzed(tmp_path: Path) -> None:
    make_got10k(tmp_path / "data", "test", {"t": 4})
    sequence = load_dataset("got10k_test", tmp_path / "data").load("t")
    write_result(tmp_path / "results", "got10k", "t", np.tile(BOXES[:1], (4, 1)), np.ones(4))
    with pytest.raises(EvalError, match="groundtruth.txt: ground truth holds the first frame only"):
        score_sequence(sequence, tmp_path / "results", "got10k")


def test_submission_zips_hold_the_official_entries(tmp_path: Path) -> None:
    for name in ("s1", "s2"):
        write_result(tmp_path / "got", "got10k", name, BOXES, TIMES)
        write_result(tmp_path / "tn", "trackingnet", name, BOXES, TIMES)
    (tmp_path / "got" / "notes.txt").write_text("not a result\n")
    got = pack_submission(tmp_path / "got", "got10k")
    with zipfile.ZipFile(got) as archive:
        assert sorted(archive.namelist()) == ["s1/s1_001.txt", "s1/s1_time.txt", "s2/s2_001.txt", "s2/s2_time.txt"]
        assert archive.read("s2/s2_001.txt") == (tmp_path / "got" / "s2" / "s2_001.txt").read_bytes()
    with zipfile.ZipFile(pack_submission(tmp_path / "tn", "trackingnet")) as archive:
        assert sorted(archive.namelist()) == ["s1.txt", "s2.txt"]
    assert pack_submission(tmp_path / "tn", "lasot") is None
    with pytest.raises(EvalError, match="no result files to pack"):
        pack_submission(tmp_path / "empty", "trackingnet")
