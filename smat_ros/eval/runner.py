"""Run a tracker over benchmark sequences in worker processes, with resume, writing official result files.

A sequence whose box and time files already hold one line per frame is skipped, so an interrupted run picks up
where it stopped. Workers are spawned processes (safe with CUDA and on every platform), each building its own
tracker once and using one CPU thread. The time of a frame is the tracker call alone (initialize on frame 1,
track afterwards), not the image decoding.
"""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator
from collections.abc import Sequence as Seq
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from smat_ros.datasets import Sequence
from smat_ros.errors import InputError
from smat_ros.eval.errors import EvalError
from smat_ros.eval.results import is_finished, pack_submission, write_result
from smat_ros.video import read_image

LOGGER = logging.getLogger(__name__)


class SingleObjectTracker(Protocol):
    """What the runner needs of a tracker (``smat_ros.Tracker`` fits)."""

    def initialize(self, frame: np.ndarray, box: tuple[float, float, float, float]) -> Any:
        """Start tracking ``box`` (x, y, w, h) on an RGB frame."""

    def track(self, frame: np.ndarray) -> Any:
        """Track on the next RGB frame; the result has ``.box`` (x, y, w, h)."""


TrackerFactory = Callable[[], SingleObjectTracker]


@dataclasses.dataclass(frozen=True)
class CheckpointTracker:
    """Picklable factory building ``smat_ros.Tracker`` from a checkpoint inside each worker."""

    checkpoint: str
    device: str = "auto"

    def __call__(self) -> SingleObjectTracker:
        """Load the tracker."""
        from smat_ros import Tracker

        return Tracker.from_checkpoint(self.checkpoint, device=self.device)


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """What a run did: sequences tracked now, sequences skipped as finished, the submission zip if any."""

    tracked: list[str]
    skipped: list[str]
    submission: Path | None


def read_frame(path: str) -> np.ndarray:
    """An image file as an RGB uint8 array (H, W, 3); EvalError naming the file when unreadable."""
    try:
        return read_image(path)
    except InputError:
        raise EvalError(f"{path}: cannot read image") from None


def _initial_box(sequence: Sequence) -> tuple[float, float, float, float]:
    """The first ground-truth box, checked to be finite with positive size."""
    box = sequence.init_box
    if not all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        raise EvalError(f"{sequence.annotation}: first box {box} has no positive finite size")
    return box


def track_sequence(tracker: SingleObjectTracker, sequence: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (N, 4) and seconds per frame (N,) of one tracker pass over a sequence."""
    init_box = _initial_box(sequence)
    boxes = np.zeros((len(sequence), 4), dtype=np.float64)
    times = np.zeros(len(sequence), dtype=np.float64)
    for index, path in enumerate(sequence.frames):
        frame = read_frame(path)
        start = time.perf_counter()
        if index == 0:
            tracker.initialize(frame, init_box)
            box = init_box
        else:
            box = tuple(tracker.track(frame).box)
        times[index] = time.perf_counter() - start
        boxes[index] = box
    return boxes, times


@dataclasses.dataclass(frozen=True)
class _Job:
    """One sequence to track and where its results go."""

    sequence: Sequence
    results: Path
    family: str
    factory: TrackerFactory


_WORKER_STATE: list[tuple[TrackerFactory, SingleObjectTracker]] = []


def _worker_tracker(factory: TrackerFactory) -> SingleObjectTracker:
    """This process's tracker, built on first use (so errors reach the parent with the job) and then reused."""
    if not _WORKER_STATE or _WORKER_STATE[0][0] != factory:
        _WORKER_STATE[:] = [(factory, factory())]
    return _WORKER_STATE[0][1]


def _run_job(job: _Job, tracker: SingleObjectTracker) -> str:
    """Track one sequence and write its official result files; returns its name."""
    boxes, times = track_sequence(tracker, job.sequence)
    write_result(job.results, job.family, job.sequence.name, boxes, times)
    return job.sequence.name


def _run_in_worker(job: _Job) -> str:
    """Worker-process entry: one CPU thread, the process's own tracker, one sequence."""
    import torch

    torch.set_num_threads(1)
    return _run_job(job, _worker_tracker(job.factory))


def _run_jobs(jobs: list[_Job], factory: TrackerFactory, workers: int) -> Iterator[str]:
    """Names of the sequences as they finish, in this process or in ``workers`` spawned processes."""
    if not jobs:
        return
    if workers <= 1 or len(jobs) <= 1:
        tracker = factory()
        for job in jobs:
            yield _run_job(job, tracker)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=min(workers, len(jobs))) as pool:
        yield from pool.imap_unordered(_run_in_worker, jobs)


def run_sequences(sequences: Seq[Sequence], family: str, results: Path, factory: TrackerFactory,
                  workers: int = 1, progress: bool = True) -> RunSummary:
    """Track every unfinished sequence, write official result files, pack the submission zip when one exists."""
    if workers < 1:
        raise EvalError(f"workers must be at least 1, got {workers}")
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    finished = {s.name for s in sequences if is_finished(results, family, s.name, len(s))}
    skipped = [s.name for s in sequences if s.name in finished]
    jobs = [_Job(s, results, family, factory) for s in sequences if s.name not in finished]
    if skipped:
        LOGGER.info("resuming: %d of %d sequences already finished", len(skipped), len(sequences))
    tracked = []
    with tqdm(total=len(jobs), desc="sequences", unit="seq", disable=not progress) as bar:
        for name in _run_jobs(jobs, factory, workers):
            tracked.append(name)
            bar.update(1)
    submission = pack_submission(results, family, refresh=bool(tracked))
    return RunSummary(tracked, skipped, submission)
