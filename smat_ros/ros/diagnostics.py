"""The smat_tracker node's health for /diagnostics: figures over the last window and the level they earn.

No rclpy and no node state: the node feeds :class:`Window` as frames arrive and are processed, takes a
:class:`Figures` once per period and turns it into a diagnostic_msgs/DiagnosticStatus with :func:`assess`,
:func:`key_values` and :func:`status_message`. Levels: WARN when no image arrived for ``image_timeout_s``, when
the processed rate falls under half the input rate, or when the target is LOST; ERROR when tracking raised during
the window. With camera_motion on, the key-values also show the camera's image shift on the window's last frame and
how many of the window's shifts were believed; with reacquire on, why the window's LOST frames did not count their
candidate (score, size, colour, distractor, association, verify), so an operator sees why a target is not found again.
"""
from __future__ import annotations

import collections
import dataclasses
import enum

import numpy as np
from diagnostic_msgs.msg import DiagnosticStatus, KeyValue

from smat_ros.follow.camera_motion import CameraShift

SLOW_RATIO = 0.5  # processed rate under this fraction of the input rate: WARN


class Level(enum.IntEnum):
    """diagnostic_msgs/DiagnosticStatus levels."""

    OK = 0
    WARN = 1
    ERROR = 2
    STALE = 3


@dataclasses.dataclass(frozen=True)
class CameraFigures:
    """The camera-motion estimate over one window: the last frame's shift, shifts estimated and believed."""

    last: CameraShift
    estimated: int
    believed: int


@dataclasses.dataclass(frozen=True)
class Figures:
    """One window's figures: rates in Hz, times in ms, counters since start-up (None: no sample in the window)."""

    window_s: float
    input_hz: float
    processed_hz: float
    frames_received: int
    frames_processed: int
    frames_dropped: int
    frames_rejected: int
    processing_p50_ms: float | None
    processing_p95_ms: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    seconds_since_image: float | None  # None before the first image
    errors: tuple[str, ...]  # tracking errors raised during the window
    camera: CameraFigures | None = None  # None: no camera shift estimated in the window (camera_motion off)
    refusals: tuple[tuple[str, int], ...] = ()  # why the window's LOST frames did not count their candidate, by count
    lost_frames: int = 0  # LOST frames searched in the window


@dataclasses.dataclass(frozen=True)
class Counts:
    """The node's frame counters at one instant."""

    received: int
    processed: int
    dropped: int
    rejected: int


def percentile(samples: list[float], q: float) -> float | None:
    """The ``q``-th percentile (linear interpolation) of ``samples``, None when there are none."""
    return float(np.percentile(samples, q)) if samples else None


class Window:
    """Samples since the last :meth:`close`: processing and latency times, tracking errors, the last image's time.

    Not thread-safe: the node guards it with its lock.
    """

    def __init__(self, start_s: float) -> None:
        self._start_s = start_s
        self._start_counts = Counts(0, 0, 0, 0)
        self._processing_ms: list[float] = []
        self._latency_ms: list[float] = []
        self._errors: list[str] = []
        self._camera_shifts: list[CameraShift] = []
        self._refusals: collections.Counter[str] = collections.Counter()
        self._lost_frames = 0
        self._last_image_s: float | None = None

    def image_arrived(self, now_s: float) -> None:
        """An image arrived at ``now_s`` (monotonic seconds)."""
        self._last_image_s = now_s

    def frame_processed(self, processing_ms: float, latency_ms: float) -> None:
        """A frame was tracked in ``processing_ms`` and published ``latency_ms`` after it arrived."""
        self._processing_ms.append(processing_ms)
        self._latency_ms.append(latency_ms)

    def camera_moved(self, shift: CameraShift) -> None:
        """The tracker estimated the camera's image shift ``shift`` on a frame (camera_motion on)."""
        self._camera_shifts.append(shift)

    def lost_frame(self, refused: str) -> None:
        """A LOST frame was searched; ``refused`` is why its candidate did not count ("" when it did)."""
        self._lost_frames += 1
        if refused:
            self._refusals[refused] += 1

    def tracking_failed(self, error: str) -> None:
        """Tracking raised ``error``."""
        self._errors.append(error)

    def restart(self, now_s: float, counts: Counts) -> None:
        """Start a fresh window at ``now_s`` with the counters as they are (after a pause: inactive periods do not
        count as input); the last image's time is kept."""
        self._start_s, self._start_counts = now_s, counts
        self._processing_ms, self._latency_ms, self._errors, self._camera_shifts = [], [], [], []
        self._refusals, self._lost_frames = collections.Counter(), 0

    def close(self, now_s: float, counts: Counts) -> Figures:
        """The figures of the window ending at ``now_s``; a new window starts there."""
        window_s = max(now_s - self._start_s, 1e-9)
        figures = Figures(
            window_s=window_s,
            input_hz=(counts.received - self._start_counts.received) / window_s,
            processed_hz=(counts.processed - self._start_counts.processed) / window_s,
            frames_received=counts.received, frames_processed=counts.processed,
            frames_dropped=counts.dropped, frames_rejected=counts.rejected,
            processing_p50_ms=percentile(self._processing_ms, 50),
            processing_p95_ms=percentile(self._processing_ms, 95),
            latency_p50_ms=percentile(self._latency_ms, 50), latency_p95_ms=percentile(self._latency_ms, 95),
            seconds_since_image=None if self._last_image_s is None else now_s - self._last_image_s,
            errors=tuple(self._errors),
            camera=self._camera_figures(),
            refusals=tuple(self._refusals.most_common()),
            lost_frames=self._lost_frames,
        )
        self.restart(now_s, counts)
        return figures

    def _camera_figures(self) -> CameraFigures | None:
        """The window's camera shifts summed up, None when there were none."""
        shifts = self._camera_shifts
        if not shifts:
            return None
        return CameraFigures(shifts[-1], len(shifts), sum(shift.accepted for shift in shifts))


def assess(figures: Figures, state: str, image_timeout_s: float, active_s: float) -> tuple[Level, str]:
    """Level and message of an active node's window; ``active_s``: seconds since it became active."""
    if figures.errors:
        return Level.ERROR, f"tracking raised {len(figures.errors)} time(s): {figures.errors[-1]}"
    problems = []
    since = figures.seconds_since_image
    if (since is None and active_s >= image_timeout_s) or (since is not None and since >= image_timeout_s):
        problems.append("no image for " + (f"{since:.1f} s" if since is not None else f"{active_s:.1f} s (none yet)"))
    if figures.input_hz > 0 and figures.processed_hz < SLOW_RATIO * figures.input_hz:
        problems.append(f"processing {figures.processed_hz:.1f} Hz of {figures.input_hz:.1f} Hz input")
    if state == "LOST":
        problems.append("target LOST")
    if problems:
        return Level.WARN, "; ".join(problems)
    return Level.OK, f"{state}, {figures.processed_hz:.1f} Hz"


def _ms(value: float | None) -> str:
    """A time in ms with two decimals, or 'n/a'."""
    return "n/a" if value is None else f"{value:.2f}"


def camera_key_values(camera: CameraFigures | None) -> list[tuple[str, str]]:
    """The camera-motion (key, value) pairs: the last shift in px, whether it was believed, the window's count."""
    if camera is None:
        return [("camera shift (px)", "n/a"), ("camera shift believed", "n/a"), ("camera shifts believed", "0 of 0")]
    last = camera.last
    return [
        ("camera shift (px)", f"{last.dx:+.1f}, {last.dy:+.1f}"),
        ("camera shift believed", f"{'yes' if last.accepted else 'no'} (confidence {last.confidence:.2f})"),
        ("camera shifts believed", f"{camera.believed} of {camera.estimated}"),
    ]


def refusals_value(figures: Figures) -> str:
    """Why the window's LOST frames did not count their candidate: "score 5, association 2 of 9 LOST frames"."""
    reasons = ", ".join(f"{reason} {count}" for reason, count in figures.refusals) or "none"
    return f"{reasons} of {figures.lost_frames} LOST frames"


def key_values(figures: Figures, state: str, backend: str, device: str, camera_motion: bool = False,
               reacquire: bool = False) -> list[tuple[str, str]]:
    """The (key, value) pairs shown with the status, in display order (the camera's shift with camera_motion on,
    the LOST frames' refusals with reacquire on)."""
    since = figures.seconds_since_image
    camera = camera_key_values(figures.camera) if camera_motion else []
    refusals = [("re-acquisition refusals", refusals_value(figures))] if reacquire else []
    return [
        ("state", state),
        ("backend", backend),
        ("device", device),
        ("input rate (Hz)", f"{figures.input_hz:.2f}"),
        ("processed rate (Hz)", f"{figures.processed_hz:.2f}"),
        ("frames received", str(figures.frames_received)),
        ("frames processed", str(figures.frames_processed)),
        ("frames dropped", str(figures.frames_dropped)),
        ("frames rejected", str(figures.frames_rejected)),
        ("processing p50 (ms)", _ms(figures.processing_p50_ms)),
        ("processing p95 (ms)", _ms(figures.processing_p95_ms)),
        ("latency p50 (ms)", _ms(figures.latency_p50_ms)),
        ("latency p95 (ms)", _ms(figures.latency_p95_ms)),
        ("seconds since last image", "n/a" if since is None else f"{since:.2f}"),
        *camera,
        *refusals,
        ("window (s)", f"{figures.window_s:.2f}"),
    ]


def status_message(level: Level, message: str, values: list[tuple[str, str]], name: str,
                   hardware_id: str) -> DiagnosticStatus:
    """The diagnostic_msgs/DiagnosticStatus of one assessment."""
    return DiagnosticStatus(level=bytes([int(level)]), name=name, message=message, hardware_id=hardware_id,
                            values=[KeyValue(key=key, value=value) for key, value in values])


def assess_node(lifecycle: str, configure_error: str, figures: Figures, state: str, image_timeout_s: float,
                active_s: float) -> tuple[Level, str]:
    """Level and message in any lifecycle state: an active node's window (:func:`assess`), else the reason of a
    failed configure (ERROR), else OK (not taking images)."""
    if lifecycle == "active":
        return assess(figures, state, image_timeout_s, active_s)
    if configure_error:
        return Level.ERROR, configure_error
    return Level.OK, f"{lifecycle}: not taking images"
