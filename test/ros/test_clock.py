"""The node's stamp policy (smat_ros.ros.clock): zero, invalid, far-future, stale and backwards stamps."""
from __future__ import annotations

import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smat_ros.errors import InputError
from smat_ros.ros.clock import ClockPolicy, FrameClock, Verdict, format_ns, stamp_to_ns, target_stamp_ns

S = 1_000_000_000
NOW = 1_700_000_000 * S


def stamp(sec: int, nanosec: int = 0) -> types.SimpleNamespace:
    """A builtin_interfaces/Time-like stamp."""
    return types.SimpleNamespace(sec=sec, nanosec=nanosec)


class Buffering(FrameClock):
    """A FrameClock whose every admitted frame is buffered (admit then accept)."""

    def admit(self, stamp, now_ns):
        admission = super().admit(stamp, now_ns)
        if admission.verdict is not Verdict.REJECT:
            self.accept(admission)
        return admission


def test_stamps_convert_or_name_the_problem():
    assert stamp_to_ns(stamp(12, 5)) == 12 * S + 5
    assert stamp_to_ns(stamp(2**31 - 1, S - 1)) == (2**31 - 1) * S + S - 1
    for bad, words in [(stamp(-1), "negative"), (stamp(3, 4294967295), "not normalized"),
                       (stamp(0, S), "not normalized"), (object(), "integer sec"), (stamp("x"), "integer sec")]:
        with pytest.raises(InputError, match=words):
            stamp_to_ns(bad)
    with pytest.raises(InputError, match="invalid target stamp.*negative"):
        target_stamp_ns(stamp(-5))
    assert target_stamp_ns(stamp(0)) == 0
    assert format_ns(12 * S + 5) == "12.000000005" and format_ns(-S) == "-1.000000000"


def test_increasing_stamps_are_accepted_and_repeats_or_late_frames_rejected():
    clock = Buffering()
    first = clock.admit(stamp(100), NOW)
    assert first.verdict is Verdict.ACCEPT and first.key_ns == 100 * S
    assert clock.admit(stamp(100, 100), NOW).verdict is Verdict.ACCEPT
    repeat = clock.admit(stamp(100, 100), NOW)
    assert repeat.verdict is Verdict.REJECT and "not newer" in repeat.reason
    late = clock.admit(stamp(99, 500_000_000), NOW)  # 0.5 s back: within reset_after_s, a late frame
    assert late.verdict is Verdict.REJECT and clock.resets == 0 and clock.newest_ns == 100 * S + 100


def test_backwards_jumps_reset_the_ordering_and_are_counted():
    clock = Buffering(ClockPolicy(reset_after_s=1.0))
    for sec in (500, 501, 502):
        assert clock.admit(stamp(sec), NOW).verdict is Verdict.ACCEPT
    loop = clock.admit(stamp(10), NOW)  # a bag played again from its start
    assert loop.verdict is Verdict.RESET and loop.key_ns == 10 * S and clock.resets == 1
    assert "jumped back 492 s" in loop.reason
    assert clock.admit(stamp(11), NOW).verdict is Verdict.ACCEPT
    assert clock.admit(stamp(0, 1), NOW).verdict is Verdict.RESET and clock.resets == 2  # simulator reset to ~0


def test_invalid_and_far_future_stamps_are_rejected_without_blocking_later_frames():
    clock = Buffering(ClockPolicy(max_ahead_s=10.0))
    assert clock.admit(stamp(1_700_000_000), NOW).verdict is Verdict.ACCEPT
    for bad, words in [(stamp(2**31 - 1), "ahead of the node clock"), (stamp(-1), "negative"),
                       (stamp(1_700_000_001, 4294967295), "not normalized"),
                       (stamp(1_700_000_011), "ahead of the node clock")]:
        admission = clock.admit(bad, NOW)
        assert admission.verdict is Verdict.REJECT and words in admission.reason, admission
    assert clock.admit(stamp(1_700_000_009), NOW).verdict is Verdict.ACCEPT  # 9 s ahead: within the tolerance
    assert clock.resets == 0


def test_far_future_is_not_judged_while_the_node_clock_is_zero():
    clock = Buffering()  # use_sim_time before the first /clock message
    assert clock.admit(stamp(2**31 - 1), 0).verdict is Verdict.ACCEPT
    assert clock.admit(stamp(5), 0).verdict is Verdict.RESET  # the real stamps then restart the ordering


def test_a_frame_judged_but_not_buffered_does_not_move_the_ordering():
    clock = FrameClock()
    clock.accept(clock.admit(stamp(100), NOW))
    judged = clock.admit(stamp(101), NOW)  # its pixels then turn out invalid: never accepted
    assert judged.verdict is Verdict.ACCEPT and clock.newest_ns == 100 * S
    assert clock.admit(stamp(101), NOW).verdict is Verdict.ACCEPT
    loop = clock.admit(stamp(5), NOW)
    assert loop.verdict is Verdict.RESET and clock.resets == 0  # counted only when accepted
    clock.accept(loop)
    assert clock.resets == 1 and clock.newest_ns == 5 * S
    with pytest.raises(ValueError):
        clock.accept(clock.admit(stamp(-1), NOW))


def test_unstamped_frames_are_ordered_by_arrival():
    clock = Buffering()
    keys = [clock.admit(stamp(0), now).key_ns for now in (NOW, NOW, NOW - 5, NOW + 7)]
    assert keys == [NOW, NOW + 1, NOW + 2, NOW + 7]
    assert clock.resets == 0
    clock.restart()
    assert clock.newest_ns is None and clock.admit(stamp(3), NOW).verdict is Verdict.ACCEPT


@settings(max_examples=300, deadline=None)
@given(events=st.lists(st.tuples(st.integers(-2**31, 2**31 - 1), st.integers(0, 2**32 - 1),
                                 st.integers(0, 2**63 - 1)), max_size=30))
def test_any_stamp_sequence_gives_a_verdict_and_accepted_keys_increase_between_resets(events):
    clock = Buffering()
    previous, resets = None, 0
    for sec, nanosec, now in events:
        admission = clock.admit(stamp(sec, nanosec), now)
        if admission.verdict is Verdict.REJECT:
            assert admission.reason
            continue
        if admission.verdict is Verdict.RESET:
            resets += 1
            assert previous is not None and admission.key_ns < previous
        else:
            assert previous is None or admission.key_ns > previous
        previous = admission.key_ns
        assert clock.newest_ns == previous
    assert clock.resets == resets
