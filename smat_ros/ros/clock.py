"""The node's stamp policy: which image stamps are in order, which are invalid, and when the ordering restarts.

Pure Python (no rclpy): stamps are read from any object with ``sec`` and ``nanosec`` (builtin_interfaces/Time).
What a camera, a recording or a simulator may send, and what the node does with it:

- a zero stamp (a driver that does not stamp): the frame is ordered by arrival: its key is the node clock's time,
  kept strictly increasing; a target can then name only the latest frame (zero stamp);
- negative seconds or ``nanosec >= 1e9`` (not normalized): the frame is rejected as invalid;
- a stamp more than ``max_ahead_s`` ahead of the node clock: rejected as from the far future (checked only while the
  node clock runs: with ``use_sim_time`` it reads zero until the first /clock message);
- a stamp more than ``reset_after_s`` older than the newest accepted one (a bag played in a loop, a simulator reset, a
  driver restart): the ordering is reset (the node forgets its buffered frames, counts the reset in
  ``TrackStatus.clock_resets`` and logs it) and the frame is accepted; a tracked target is kept;
- any other stamp not newer than the newest accepted one: rejected as stale (a repeated or late frame).
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Any

from smat_ros.errors import InputError

NS_PER_S = 1_000_000_000


@dataclasses.dataclass(frozen=True)
class ClockPolicy:
    """Tolerances of the stamp policy (seconds)."""

    max_ahead_s: float = 10.0  # stamps further ahead of the node clock are rejected
    reset_after_s: float = 1.0  # stamps further behind the newest accepted one restart the ordering


class Verdict(enum.Enum):
    """What to do with one frame."""

    ACCEPT = "accept"  # in order: buffer it
    RESET = "reset"  # the stamps jumped backwards: forget the ordering (and the buffer), then buffer it
    REJECT = "reject"  # invalid or stale: count it and drop it


@dataclasses.dataclass(frozen=True)
class Admission:
    """The verdict on one frame, its ordering key (ns; the arrival time for unstamped frames) and the reason."""

    verdict: Verdict
    key_ns: int
    reason: str = ""


def stamp_to_ns(stamp: Any) -> int:
    """Nanoseconds of a builtin_interfaces/Time-like stamp; InputError if negative or not normalized."""
    try:
        sec, nanosec = int(stamp.sec), int(stamp.nanosec)
    except (AttributeError, TypeError, ValueError, OverflowError):
        raise InputError(f"stamp must have integer sec and nanosec, got {stamp!r}") from None
    if sec < 0 or nanosec < 0:
        raise InputError(f"stamp {sec}.{nanosec:09d} is negative")
    if nanosec >= NS_PER_S:
        raise InputError(f"stamp is not normalized: nanosec={nanosec} must be below 1e9 (sec={sec})")
    return sec * NS_PER_S + nanosec


class FrameClock:
    """Orders incoming frames by stamp under a :class:`ClockPolicy`; counts the resets.

    :meth:`admit` judges a frame; :meth:`accept` records a frame that was judged and then buffered (a frame whose
    pixels turn out invalid is never accepted, so it does not move the ordering). Not thread-safe: the node guards
    it with its lock.
    """

    def __init__(self, policy: ClockPolicy = ClockPolicy()) -> None:
        self.policy = policy
        self.newest_ns: int | None = None  # key of the newest accepted frame
        self.resets = 0

    def admit(self, stamp: Any, now_ns: int) -> Admission:
        """The verdict on a frame stamped ``stamp`` arriving at node time ``now_ns`` (the ordering is unchanged)."""
        try:
            stamp_ns = stamp_to_ns(stamp)
        except InputError as exc:
            return Admission(Verdict.REJECT, -1, f"invalid image stamp: {exc}")
        if stamp_ns == 0:
            key = now_ns if self.newest_ns is None else max(now_ns, self.newest_ns + 1)
            return Admission(Verdict.ACCEPT, key)
        ahead_s = (stamp_ns - now_ns) / NS_PER_S
        if now_ns > 0 and ahead_s > self.policy.max_ahead_s:
            return Admission(Verdict.REJECT, stamp_ns,
                             f"image stamp {format_ns(stamp_ns)} s is {ahead_s:.3g} s ahead of the node clock "
                             f"(max_stamp_ahead_s={self.policy.max_ahead_s:g}): rejected")
        newest = self.newest_ns
        if newest is None or stamp_ns > newest:
            return Admission(Verdict.ACCEPT, stamp_ns)
        behind_s = (newest - stamp_ns) / NS_PER_S
        if behind_s > self.policy.reset_after_s:
            return Admission(Verdict.RESET, stamp_ns,
                             f"image stamps jumped back {behind_s:.6g} s (from {format_ns(newest)} to "
                             f"{format_ns(stamp_ns)} s): frame ordering reset")
        return Admission(Verdict.REJECT, stamp_ns,
                         f"image stamp {format_ns(stamp_ns)} s is not newer than the last frame's "
                         f"({format_ns(newest)} s): skipped")

    def accept(self, admission: Admission) -> None:
        """Record a buffered frame: its key becomes the newest; a RESET is counted."""
        if admission.verdict is Verdict.REJECT:
            raise InputError(f"a rejected frame cannot be accepted: {admission.reason}")
        self.resets += admission.verdict is Verdict.RESET
        self.newest_ns = admission.key_ns

    def restart(self) -> None:
        """Forget the ordering (the next stamp is accepted as the first)."""
        self.newest_ns = None


def target_stamp_ns(stamp: Any) -> int:
    """Nanoseconds of a target's stamp (0: the latest frame); InputError naming the problem if invalid."""
    try:
        return stamp_to_ns(stamp)
    except InputError as exc:
        raise InputError(f"invalid target stamp: {exc}") from None


def format_ns(stamp_ns: int) -> str:
    """A stamp in ns as seconds with nine decimals."""
    sign = "-" if stamp_ns < 0 else ""
    sec, nanosec = divmod(abs(stamp_ns), NS_PER_S)
    return f"{sign}{sec}.{nanosec:09d}"
