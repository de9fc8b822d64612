"""Constant-velocity Kalman filter of a 2-D point over frame stamps, with prediction to any later time.

The state is (x, y, vx, vy); the process noise is white acceleration of ``acceleration_std`` units/s^2 and the
measurement noise ``measurement_std`` units. Times are stamps in seconds (image header stamps in the node).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from smat_ros.config import ConfigError


@dataclasses.dataclass(frozen=True)
class MotionConfig:
    """Noise levels of the constant-velocity filter (in the units of the measured points)."""

    acceleration_std: float = 2.0
    measurement_std: float = 0.02
    initial_velocity_std: float = 2.0

    def __post_init__(self) -> None:
        """Noise levels must be positive."""
        for field in dataclasses.fields(self):
            if not getattr(self, field.name) > 0:
                raise ConfigError(f"MotionConfig.{field.name} must be > 0, got {getattr(self, field.name)}")


class ConstantVelocityFilter:
    """Kalman filter of position and velocity; ``update`` with measured points, ``predict`` to a time."""

    def __init__(self, config: MotionConfig = MotionConfig()) -> None:
        self.config = config
        self._state: np.ndarray | None = None  # (4,) x, y, vx, vy
        self._cov = np.zeros((4, 4))
        self._stamp_s = 0.0

    @property
    def initialized(self) -> bool:
        """Whether a point was measured since the last reset."""
        return self._state is not None

    @property
    def position(self) -> tuple[float, float]:
        """Filtered position at the last update (0, 0 before the first)."""
        return (0.0, 0.0) if self._state is None else (float(self._state[0]), float(self._state[1]))

    @property
    def velocity(self) -> tuple[float, float]:
        """Filtered velocity in units per second (0, 0 before two updates)."""
        return (0.0, 0.0) if self._state is None else (float(self._state[2]), float(self._state[3]))

    @property
    def stamp_s(self) -> float:
        """Stamp of the last update."""
        return self._stamp_s

    def reset(self) -> None:
        """Forget the track (a new target, or the target found again somewhere else)."""
        self._state = None

    def shift(self, dx: float, dy: float) -> None:
        """Move the filtered position by (dx, dy), e.g. with the camera's image shift; the velocity is kept."""
        if self._state is not None:
            self._state[:2] += (dx, dy)

    def update(self, x: float, y: float, stamp_s: float) -> None:
        """Fold in a point measured at ``stamp_s``; a stamp not after the last one restarts the filter there."""
        measured = np.array([x, y])
        if self._state is None or stamp_s <= self._stamp_s:
            self._state = np.array([x, y, 0.0, 0.0])
            r2, v2 = self.config.measurement_std ** 2, self.config.initial_velocity_std ** 2
            self._cov = np.diag([r2, r2, v2, v2])
            self._stamp_s = stamp_s
            return
        transition, noise = self._model(stamp_s - self._stamp_s)
        state = transition @ self._state
        cov = transition @ self._cov @ transition.T + noise
        observe = np.eye(2, 4)  # H: position only
        innovation_cov = observe @ cov @ observe.T + np.eye(2) * self.config.measurement_std ** 2
        gain = cov @ observe.T @ np.linalg.inv(innovation_cov)
        self._state = state + gain @ (measured - observe @ state)
        self._cov = (np.eye(4) - gain @ observe) @ cov
        self._stamp_s = stamp_s

    def predict(self, stamp_s: float) -> tuple[float, float]:
        """Position predicted to ``stamp_s`` at the filtered velocity (the last position for earlier stamps)."""
        if self._state is None:
            return (0.0, 0.0)
        dt = max(0.0, stamp_s - self._stamp_s)
        return (float(self._state[0] + dt * self._state[2]), float(self._state[1] + dt * self._state[3]))

    def _model(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Transition matrix F and process noise Q of a white-acceleration model over ``dt`` seconds."""
        transition = np.eye(4)
        transition[0, 2] = transition[1, 3] = dt
        q = self.config.acceleration_std ** 2
        block = q * np.array([[dt ** 4 / 4, dt ** 3 / 2], [dt ** 3 / 2, dt ** 2]])
        noise = np.zeros((4, 4))
        noise[np.ix_([0, 2], [0, 2])] = block
        noise[np.ix_([1, 3], [1, 3])] = block
        return transition, noise
