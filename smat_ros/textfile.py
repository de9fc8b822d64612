"""Numeric text tables (ground truth, result boxes, labels, times) and name lists, read with errors that name the
file and line; shared by evaluation and training."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from smat_ros.errors import DataFileError

_SEPARATORS = re.compile(r"[,\t ;]+")


def _parse_line(path: Path, number: int, line: str, allow_nan: bool) -> list[float]:
    """Numbers on one line of ``path``; raise DataFileError naming file and line on anything else."""
    values = []
    for token in _SEPARATORS.split(line.strip()):
        try:
            value = float(token)
        except ValueError:
            raise DataFileError(f"{path}: line {number} is not numeric: {line.strip()!r}") from None
        if math.isinf(value) or (math.isnan(value) and not allow_nan):
            raise DataFileError(f"{path}: line {number} holds a non-finite value: {line.strip()!r}")
        values.append(value)
    return values


def read_rows(path: str | Path, columns: int, allow_nan: bool = False) -> np.ndarray:
    """Read a table of ``columns`` numbers per line as float64 (N, columns); blank lines are errors."""
    path = Path(path)
    lines = _read_lines(path)
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise DataFileError(f"{path}: line {number} is empty")
        values = _parse_line(path, number, line, allow_nan)
        if len(values) != columns:
            raise DataFileError(f"{path}: line {number} has {len(values)} values, expected {columns}: {line.strip()!r}")
        rows.append(values)
    if not rows:
        raise DataFileError(f"{path}: file is empty")
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), columns)


def read_values(path: str | Path, allow_nan: bool = False) -> np.ndarray:
    """Read every number of a label or time file (one per line or separated on one line) as float64 (N,)."""
    path = Path(path)
    values: list[float] = []
    for number, line in enumerate(_read_lines(path), start=1):
        if line.strip():
            values.extend(_parse_line(path, number, line, allow_nan))
    if not values:
        raise DataFileError(f"{path}: file is empty")
    return np.asarray(values, dtype=np.float64)


def read_centres(path: str | Path) -> dict[int, tuple[float, float]]:
    """Frame number -> (cx, cy) of a hand check ("frame,cx,cy" rows; the header and # comment lines skipped)."""
    path = Path(path)
    centres = {}
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip() or line.startswith(("#", "frame")):
            continue
        values = _parse_line(path, number, line, allow_nan=False)
        if len(values) != 3:
            raise DataFileError(f"{path}: line {number} has {len(values)} values, expected 3 (frame, cx, cy)")
        centres[int(values[0])] = (values[1], values[2])
    if not centres:
        raise DataFileError(f"{path}: no centres")
    return centres


def count_rows(path: str | Path) -> int:
    """Number of non-blank lines of ``path`` (0 when it does not exist)."""
    path = Path(path)
    if not path.is_file():
        return 0
    return sum(1 for line in path.read_text(errors="replace").splitlines() if line.strip())


def read_names(path: str | Path) -> list[str]:
    """Non-blank lines of a list file (sequence names), stripped."""
    return [line.strip() for line in _read_lines(Path(path)) if line.strip()]


def _read_lines(path: Path) -> list[str]:
    """Lines of a text file, with trailing blank lines dropped; DataFileError if it is missing or unreadable."""
    if not path.is_file():
        raise DataFileError(f"{path}: file not found")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read: {exc}") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines
