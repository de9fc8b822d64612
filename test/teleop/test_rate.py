"""Rates over a sliding window."""
from smat_ros.teleop.rate import RateMeter


def test_rate_counts_events_in_the_window_only():
    meter = RateMeter(window_s=2.0)
    assert meter.rate(now=0.0) == 0.0
    for step in range(11):
        meter.tick(now=step * 0.1)  # 10 per second for one second
    assert abs(meter.rate(now=1.0) - 10.0) < 1e-9
    assert meter.rate(now=2.95) == 0.0  # only the last event (at 1.0 s) is still in the window
    meter.tick(3, now=3.0)
    assert meter.rate(now=3.5) == 2 / 0.5
