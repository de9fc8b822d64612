"""What a tracker remembers of its target while it is seen: where it last was, its usual size, its centre's motion
and its colours. While the target is LOST this is where it is expected and what a candidate must look like."""
from __future__ import annotations

import collections
import math
import statistics
from collections.abc import Sequence

import numpy as np

from smat_ros.crop import Box, box_at, box_centre, shift_box
from smat_ros.follow.appearance import AppearanceModel
from smat_ros.follow.motion import ConstantVelocityFilter, MotionConfig

# the box centre's motion in pixels: the tracker's boxes jitter by a few pixels, people and cars accelerate gently
PIXEL_MOTION = MotionConfig(acceleration_std=100.0, measurement_std=5.0, initial_velocity_std=200.0)
RECENT_SIZES = 15  # seen boxes whose median size is the target's usual size (a few drifting boxes do not count)


class TargetMemory:
    """The last box where the target was seen, its recent sizes, its centre's motion over the frame stamps and (when
    ``colours`` is passed) its colours."""

    def __init__(self) -> None:
        self.box: Box | None = None  # where the target was last seen
        self.motion = ConstantVelocityFilter(PIXEL_MOTION)  # centre of the seen boxes, pixels over stamps
        self.appearance = AppearanceModel()  # colours of the first box, a second opinion on candidates
        # stamp, w, h of the recent seen boxes
        self._sizes: collections.deque[tuple[float, float, float]] = collections.deque(maxlen=RECENT_SIZES)

    def start(self, frame: np.ndarray, box: Box, stamp_s: float, colours: bool) -> None:
        """Forget the last target and remember ``box``, set on ``frame`` at ``stamp_s`` (its colours if ``colours``)."""
        self.box = box
        self.restart_motion(box, stamp_s)
        self._sizes.clear()
        self._sizes.append((stamp_s, box[2], box[3]))
        if colours:
            self.appearance.start(frame, box)

    def see(self, frame: np.ndarray, box: Box, stamp_s: float, colours: bool) -> None:
        """Remember ``box`` as where the target was seen on ``frame`` at ``stamp_s`` (its colours if ``colours``)."""
        self.box = box
        self._sizes.append((stamp_s, box[2], box[3]))
        self.motion.update(*box_centre(box), stamp_s)
        if colours:
            self.appearance.observe(frame, box, stamp_s)

    def found_again(self, frame: np.ndarray, box: Box, stamp_s: float, colours: bool) -> None:
        """Remember ``box`` where the LOST target was found again: its velocity before the loss says nothing about
        it, so the motion starts afresh there."""
        self.motion.reset()
        self.see(frame, box, stamp_s, colours)

    def restart_motion(self, box: Box, stamp_s: float) -> None:
        """Forget the motion measured so far: the target's centre was ``box``'s at ``stamp_s``."""
        self.motion.reset()
        self.motion.update(*box_centre(box), stamp_s)

    def roll_back(self, box: Box, stamp_s: float) -> None:
        """The target was last seen at ``box`` at ``stamp_s`` after all (later boxes were on something else, and
        their sizes and colours no longer count)."""
        self.box = box
        self.restart_motion(box, stamp_s)
        kept = [size for size in self._sizes if size[0] <= stamp_s] or [(stamp_s, box[2], box[3])]
        self._sizes.clear()
        self._sizes.extend(kept)
        self.appearance.roll_back(stamp_s)

    def usual_size(self) -> tuple[float, float]:
        """The median width and height of the recent boxes where the target was seen."""
        return statistics.median(w for _, w, _ in self._sizes), statistics.median(h for _, _, h in self._sizes)

    def size(self) -> float:
        """sqrt(w h) of the target's usual box."""
        width, height = self.usual_size()
        return math.sqrt(width * height)

    def expected_box(self, frame_shape: Sequence[int], stamp_s: float, max_prediction_s: float) -> Box:
        """A box of the usual size where the target's velocity takes it by ``stamp_s`` (for at most
        ``max_prediction_s`` after it was seen), inside the frame."""
        horizon = min(stamp_s, self.motion.stamp_s + max_prediction_s)
        return box_at(self.motion.predict(horizon), self.usual_size(), frame_shape)

    def shift(self, dx: float, dy: float, frame_shape: Sequence[int]) -> None:
        """Move the remembered box and motion by the camera's image shift (dx, dy), the box's centre kept on the
        frame."""
        if self.box is not None:
            self.box = shift_box(self.box, dx, dy, frame_shape)
        self.motion.shift(dx, dy)
