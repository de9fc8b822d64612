"""Text tables read with errors that name the file and line: here the hand-check centres."""
from __future__ import annotations

from pathlib import Path

import pytest

from smat_ros.errors import DataFileError
from smat_ros.textfile import read_centres

ROOT = Path(__file__).resolve().parents[1]


def test_the_bundled_hand_check_reads_as_frame_centres() -> None:
    centres = read_centres(ROOT / "weights" / "vtest_person_handcheck.csv")
    assert centres[1] == (662.0, 280.0) and centres[8] == (590.0, 277.0)
    assert min(centres) == 1 and max(centres) == 50


def test_a_bad_hand_check_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "check.csv"
    path.write_text("# comment\nframe,cx,cy\n1,10,20\n2,30\n")
    with pytest.raises(DataFileError, match=r"check.csv: line 4 has 2 values"):
        read_centres(path)
    path.write_text("frame,cx,cy\n1,ten,20\n")
    with pytest.raises(DataFileError, match="line 2 is not numeric"):
        read_centres(path)
    path.write_text("# only a comment\n")
    with pytest.raises(DataFileError, match="no centres"):
        read_centres(path)
