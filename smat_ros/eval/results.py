"""Tracking results in each benchmark's official format: paths, writing, reading back, submission zips.

- GOT-10k (as the got10k toolkit records them): ``{results}/{seq}/{seq}_001.txt`` (one ``x,y,w,h`` line per frame,
  ``%.3f``, comma-separated; further repetitions ``_002`` ... are read too) and ``{results}/{seq}/{seq}_time.txt``
  (seconds per frame, ``%.8f``). Submission: ``{results}/got10k_submission.zip`` holding ``{seq}/...`` entries.
- Every other benchmark (TrackingNet, LaSOT, OTB, UAV123, NfS, folder): ``{results}/{seq}.txt`` (``x,y,w,h``,
  ``%.3f``, comma-separated; tab or space separated files are read too) and ``{results}/times/{seq}_time.txt``
  (the got10k toolkit's OTB-style location). TrackingNet submission: ``{results}/trackingnet_submission.zip``
  holding the ``{seq}.txt`` files at its top level, as the evaluation server expects.

Files are written to a temporary name and renamed, times first, so a box file that exists is complete.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from smat_ros.eval.errors import EvalError
from smat_ros.textfile import count_rows, read_rows, read_values

SUBMISSION_ZIPS = {"got10k": "got10k_submission.zip", "trackingnet": "trackingnet_submission.zip"}


def box_file(results: Path, family: str, sequence: str, repetition: int = 1) -> Path:
    """Where the boxes of ``sequence`` go in the official layout of ``family``."""
    if family == "got10k":
        return results / sequence / f"{sequence}_{repetition:03d}.txt"
    return results / f"{sequence}.txt"


def time_file(results: Path, family: str, sequence: str) -> Path:
    """Where the per-frame times of ``sequence`` go."""
    if family == "got10k":
        return results / sequence / f"{sequence}_time.txt"
    return results / "times" / f"{sequence}_time.txt"


def _write_atomic(path: Path, rows: np.ndarray, fmt: str) -> None:
    """Write ``rows`` with numpy's savetxt to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    np.savetxt(partial, rows, fmt=fmt, delimiter=",")
    os.replace(partial, path)


def write_result(results: Path, family: str, sequence: str, boxes: np.ndarray, times: np.ndarray) -> None:
    """Write boxes (N, 4) and seconds per frame (N,) of one sequence in the official format."""
    _write_atomic(time_file(results, family, sequence), np.asarray(times, np.float64).reshape(-1, 1), "%.8f")
    _write_atomic(box_file(results, family, sequence), np.asarray(boxes, np.float64).reshape(-1, 4), "%.3f")


def is_finished(results: Path, family: str, sequence: str, frames: int) -> bool:
    """True when both the box file and the time file of ``sequence`` hold one line per frame."""
    return (count_rows(box_file(results, family, sequence)) == frames
            and count_rows(time_file(results, family, sequence)) == frames)


def read_boxes(path: Path, frames: int) -> np.ndarray:
    """Result boxes (N, 4) from ``path``; EvalError naming the file on a wrong line count or bad values."""
    boxes = read_rows(path, 4)
    if len(boxes) != frames:
        raise EvalError(f"{path}: {len(boxes)} lines, expected one box per frame ({frames})")
    if (boxes[:, 2:] < 0).any():
        row = int(np.flatnonzero((boxes[:, 2:] < 0).any(axis=1))[0]) + 1
        raise EvalError(f"{path}: line {row} has a negative width or height")
    return boxes


def read_repetitions(results: Path, family: str, sequence: str, frames: int) -> list[np.ndarray]:
    """Every recorded run of ``sequence`` (GOT-10k may hold several repetitions); EvalError if there is none."""
    if family == "got10k":
        paths = sorted((results / sequence).glob(f"{sequence}_[0-9]*.txt"))
    else:
        paths = [box_file(results, family, sequence)]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        raise EvalError(f"{box_file(results, family, sequence)}: result file not found")
    return [read_boxes(path, frames) for path in paths]


def read_times(results: Path, family: str, sequence: str) -> np.ndarray:
    """Seconds per frame of ``sequence`` (empty when no time file was written; NaN marks an untimed frame)."""
    path = time_file(results, family, sequence)
    if not path.is_file():
        return np.zeros(0, dtype=np.float64)
    return read_values(path, allow_nan=True)


def _submission_files(results: Path, family: str) -> list[Path]:
    """Every finished result file in ``results`` that belongs in the server zip of ``family``."""
    if family == "got10k":
        return sorted(p for p in results.glob("*/*.txt")
                      if p.name in (f"{p.parent.name}_001.txt", f"{p.parent.name}_time.txt"))
    return sorted(results.glob("*.txt"))


def pack_submission(results: Path, family: str, refresh: bool = True) -> Path | None:
    """Zip every result in ``results`` for the GOT-10k or TrackingNet server (None for local benchmarks).

    Like the got10k toolkit, the whole result folder goes in; with ``refresh=False`` an existing zip is kept.
    """
    if family not in SUBMISSION_ZIPS:
        return None
    target = results / SUBMISSION_ZIPS[family]
    if target.is_file() and not refresh:
        return target
    files = _submission_files(results, family)
    if not files:
        raise EvalError(f"{results}: no result files to pack into {target.name}")
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(results).as_posix())
    os.replace(partial, target)
    return target
