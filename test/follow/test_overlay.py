"""The debug picture draws the box in the state's colour, the image centre and a velocity arrow in the direction of
motion."""
from __future__ import annotations

import dataclasses

import numpy as np

from smat_ros.follow.overlay import STATE_COLORS, draw_follow, draw_state
from smat_ros.follow.states import TrackState
from smat_ros.follow.target import TargetEstimate


def test_centre_cross_and_velocity_arrow() -> None:
    frame = np.zeros((200, 300, 3), np.uint8)
    still = draw_follow(frame, (100, 80, 20, 40), "TRACKING", 0.6, (0, 255, 0))
    assert still[100, 150].min() > 200 and still[100, 146].min() > 200  # the centre cross
    moving = draw_follow(frame, (100, 80, 20, 40), "TRACKING", 0.6, (0, 255, 0), velocity_px=(120.0, 0.0))
    changed = np.argwhere(np.any(moving != still, axis=2))
    assert len(changed) and changed[:, 1].min() >= 107 and changed[:, 1].max() > 160  # to the right of the centre
    assert frame.sum() == 0  # the input is not drawn on


def test_the_state_picture_draws_the_box_in_the_states_colour_and_the_arrow_only_while_visible() -> None:
    frame = np.zeros((200, 300, 3), np.uint8)
    box = (100.0, 80.0, 20.0, 40.0)
    for state in TrackState:
        picture = draw_state(frame, box, state, 0.6)
        assert (picture[100, 100] == STATE_COLORS[state]).all()  # the box's left edge
    seen = TargetEstimate(1.0, TrackState.TRACKING, visible=True, velocity_x_norm=0.8)
    hidden = dataclasses.replace(seen, state=TrackState.LOST, visible=False)
    still = draw_state(frame, box, TrackState.TRACKING, 0.6)
    moving = draw_state(frame, box, TrackState.TRACKING, 0.6, seen)
    assert np.any(moving[:, 160:] != still[:, 160:])  # 0.8 * 150 px/s for 0.5 s: the arrow reaches x = 170
    lost = draw_state(frame, box, TrackState.LOST, 0.6)
    assert (draw_state(frame, box, TrackState.LOST, 0.6, hidden) == lost).all()
