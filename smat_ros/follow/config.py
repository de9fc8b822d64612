"""All follow-me settings in one typed config, for YAML files (``smat-track --follow-config``) and programs."""
from __future__ import annotations

import dataclasses

from smat_ros.follow.motion import MotionConfig
from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.follow.states import StateConfig


@dataclasses.dataclass(frozen=True)
class FollowConfig:
    """Track-state thresholds, the re-acquisition search and the output velocity filter (normalized image units).

    YAML example (unknown keys are errors; ``smat_ros.config.load_yaml(FollowConfig, path)``)::

        states: {lost_score_threshold: 0.25, found_score_threshold: 0.5, found_after_frames: 2}
        reacquire: {budget: 1, scales: [1.0, 0.8, 1.25]}
    """

    states: StateConfig = StateConfig()
    reacquire: ReacquireConfig = ReacquireConfig()
    motion: MotionConfig = MotionConfig()
