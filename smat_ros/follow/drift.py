"""The drift check's bookkeeping: which TRACKING frames get the backward check, how many failed in a row, and the
last box that passed it (where the target was last known to be when the check says the box is on something else).

The check itself runs the network backwards (``Tracker.verify``); this module only counts. A network that moves onto
another person with good scores is invisible to every score threshold, but run backwards from that person it seldom
finds the first box: ``after`` failures in a row turn the track LOST, back at the last verified box.
"""
from __future__ import annotations

from collections.abc import Sequence

from smat_ros.crop import Box, shift_box


class DriftCheck:
    """TRACKING frames counted since the target was set or re-acquired, failed checks in a row, the last good box."""

    def __init__(self) -> None:
        self.frames = 0  # TRACKING frames since the target was set or re-acquired
        self.failures = 0  # checks failed in a row
        self.verified: tuple[Box, float] = ((0.0, 0.0, 0.0, 0.0), 0.0)  # the last box that passed, its stamp

    def restart(self, box: Box, stamp_s: float) -> None:
        """Count afresh from ``box`` (at ``stamp_s``), known to be the target."""
        self.frames = self.failures = 0
        self.verified = (box, stamp_s)

    def due(self, every: int) -> bool:
        """Count one TRACKING frame; whether it gets the check (every ``every`` frames, never with 0)."""
        self.frames += 1
        return every > 0 and self.frames % every == 0

    def passed(self, box: Box, stamp_s: float) -> None:
        """``box`` at ``stamp_s`` passed the check."""
        self.failures = 0
        self.verified = (box, stamp_s)

    def failed(self, after: int) -> bool:
        """Count a failed check; whether ``after`` failures in a row say the box is on something else."""
        self.failures += 1
        return self.failures >= after

    def shift(self, dx: float, dy: float, frame_shape: Sequence[int]) -> None:
        """Move the verified box by the camera's image shift (dx, dy), its centre kept on the frame."""
        box, stamp_s = self.verified
        self.verified = (shift_box(box, dx, dy, frame_shape), stamp_s)
