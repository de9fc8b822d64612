"""The debug picture draws the image centre and a velocity arrow in the direction of motion."""
from __future__ import annotations

import numpy as np

from smat_ros.follow.overlay import draw_follow


def test_centre_cross_and_velocity_arrow() -> None:
    frame = np.zeros((200, 300, 3), np.uint8)
    still = draw_follow(frame, (100, 80, 20, 40), "TRACKING", 0.6, (0, 255, 0))
    assert still[100, 150].min() > 200 and still[100, 146].min() > 200  # the centre cross
    moving = draw_follow(frame, (100, 80, 20, 40), "TRACKING", 0.6, (0, 255, 0), velocity_px=(120.0, 0.0))
    changed = np.argwhere(np.any(moving != still, axis=2))
    assert len(changed) and changed[:, 1].min() >= 107 and changed[:, 1].max() > 160  # to the right of the centre
    assert frame.sum() == 0  # the input is not drawn on
