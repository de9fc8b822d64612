"""Events per second over a sliding window, counted from any thread (camera, encoder, tracker rates)."""
from __future__ import annotations

import threading
import time


class RateMeter:
    """Events per second over the last ``window_s`` seconds (thread-safe)."""

    def __init__(self, window_s: float = 2.0) -> None:
        self._window_s = window_s
        self._times: list[float] = []
        self._lock = threading.Lock()

    def tick(self, count: int = 1, now: float | None = None) -> None:
        """Count ``count`` events at ``now`` (default: the monotonic clock)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._times.extend([now] * count)
            self._trim(now)

    def rate(self, now: float | None = None) -> float:
        """Events per second over the window: events after the first one over the time since it (0 for < 2)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._trim(now)
            if len(self._times) < 2:
                return 0.0
            return (len(self._times) - 1) / max(now - self._times[0], 1e-9)

    def _trim(self, now: float) -> None:
        """Forget events older than the window (lock held)."""
        cut = next((i for i, t in enumerate(self._times) if now - t <= self._window_s), len(self._times))
        del self._times[:cut]
