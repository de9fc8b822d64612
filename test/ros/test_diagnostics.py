"""The node's health figures and levels (smat_ros.ros.diagnostics), without ROS."""
from __future__ import annotations

import dataclasses

import pytest

from smat_ros.follow.camera_motion import CameraShift
from smat_ros.ros.diagnostics import Counts, Level, Window, assess, assess_node, key_values, status_message


def steady_window() -> Window:
    """A window from t=10 s to t=12 s: 20 images in, 20 processed, 10..29 ms processing, 20..39 ms latency."""
    window = Window(start_s=10.0)
    for index in range(20):
        window.image_arrived(10.0 + 0.1 * index)
        window.frame_processed(10.0 + index, 20.0 + index)
    return window


def test_rates_come_from_the_counter_deltas_over_the_window():
    window = Window(start_s=0.0)
    window.restart(10.0, Counts(received=100, processed=90, dropped=3, rejected=1))
    figures = window.close(12.0, Counts(received=120, processed=100, dropped=8, rejected=2))
    assert figures.window_s == pytest.approx(2.0)
    assert figures.input_hz == pytest.approx(10.0) and figures.processed_hz == pytest.approx(5.0)
    assert (figures.frames_dropped, figures.frames_rejected) == (8, 2)


def test_percentiles_cover_only_the_last_window():
    window = steady_window()
    figures = window.close(12.0, Counts(20, 20, 0, 0))
    assert figures.processing_p50_ms == pytest.approx(19.5)
    assert figures.processing_p95_ms == pytest.approx(10.0 + 0.95 * 19)
    assert figures.latency_p50_ms == pytest.approx(29.5)
    assert figures.seconds_since_image == pytest.approx(12.0 - 11.9)
    empty = window.close(13.0, Counts(20, 20, 0, 0))  # nothing processed since: no percentiles, rate 0
    assert empty.processing_p50_ms is None and empty.latency_p95_ms is None and empty.processed_hz == 0.0
    assert empty.seconds_since_image == pytest.approx(13.0 - 11.9)  # the last image is remembered


def test_steady_tracking_is_ok():
    figures = steady_window().close(12.0, Counts(20, 20, 0, 0))
    level, message = assess(figures, "TRACKING", image_timeout_s=1.0, active_s=5.0)
    assert level == Level.OK and "TRACKING" in message


@pytest.mark.parametrize(
    "change, state, words",
    [
        ({"seconds_since_image": 3.0}, "TRACKING", "no image for 3.0 s"),
        ({"seconds_since_image": None}, "IDLE", "none yet"),
        ({"input_hz": 20.0, "processed_hz": 9.0}, "TRACKING", "processing 9.0 Hz of 20.0 Hz"),
        ({}, "LOST", "target LOST"),
    ],
)
def test_warnings(change, state, words):
    figures = dataclasses.replace(steady_window().close(12.0, Counts(20, 20, 0, 0)), **change)
    level, message = assess(figures, state, image_timeout_s=2.0, active_s=5.0)
    assert level == Level.WARN and words in message, message


def test_no_warning_before_the_timeout_has_passed_since_activation_or_at_half_rate():
    figures = dataclasses.replace(steady_window().close(12.0, Counts(20, 20, 0, 0)), seconds_since_image=None)
    assert assess(figures, "IDLE", image_timeout_s=2.0, active_s=1.0)[0] == Level.OK
    half = dataclasses.replace(figures, input_hz=20.0, processed_hz=10.0, seconds_since_image=0.1)
    assert assess(half, "TRACKING", image_timeout_s=2.0, active_s=5.0)[0] == Level.OK


def test_a_tracking_error_in_the_window_is_an_error_even_when_other_things_warn():
    window = steady_window()
    window.tracking_failed("tracking failed: CUDA out of memory")
    figures = window.close(12.0, Counts(20, 20, 0, 0))
    level, message = assess(figures, "LOST", image_timeout_s=2.0, active_s=5.0)
    assert level == Level.ERROR and "CUDA out of memory" in message
    assert assess(window.close(13.0, Counts(30, 30, 0, 0)), "TRACKING", 2.0, 5.0)[0] == Level.OK


def test_key_values_name_every_figure():
    figures = steady_window().close(12.0, Counts(20, 20, 1, 2))
    values = dict(key_values(figures, "TRACKING", "torch", "cpu"))
    assert values["state"] == "TRACKING" and values["backend"] == "torch" and values["device"] == "cpu"
    assert values["frames dropped"] == "1" and values["frames rejected"] == "2"
    assert values["input rate (Hz)"] == "10.00" and values["processing p50 (ms)"] == "19.50"
    assert {"latency p95 (ms)", "seconds since last image", "processed rate (Hz)"} <= set(values)


CAMERA_KEYS = ("camera shift (px)", "camera shift believed", "camera shifts believed")


def test_camera_shift_keys_show_the_windows_last_shift_and_how_many_were_believed():
    window = steady_window()
    window.camera_moved(CameraShift(4.0, -1.5, 0.6, accepted=True))
    window.camera_moved(CameraShift(0.25, 0.0, 0.05, accepted=False))
    window.camera_moved(CameraShift(-12.34, 3.06, 0.42, accepted=True))
    values = key_values(window.close(12.0, Counts(20, 20, 0, 0)), "TRACKING", "torch", "cpu", camera_motion=True)
    shown = dict(values)
    assert shown["camera shift (px)"] == "-12.3, +3.1"
    assert shown["camera shift believed"] == "yes (confidence 0.42)"
    assert shown["camera shifts believed"] == "2 of 3"
    assert [key for key, _ in values][-4:] == [*CAMERA_KEYS, "window (s)"]  # after the image figures
    window.camera_moved(CameraShift(30.0, 0.0, 0.02, accepted=False))  # the next window has only this one
    shown = dict(key_values(window.close(13.0, Counts(30, 30, 0, 0)), "LOST", "torch", "cpu", camera_motion=True))
    assert shown["camera shift believed"] == "no (confidence 0.02)" and shown["camera shifts believed"] == "0 of 1"


def test_camera_shift_keys_only_with_camera_motion_on_and_n_a_without_a_shift():
    window = steady_window()
    window.camera_moved(CameraShift(1.0, 1.0, 0.9, accepted=True))
    figures = window.close(12.0, Counts(20, 20, 0, 0))
    assert not set(CAMERA_KEYS) & set(dict(key_values(figures, "TRACKING", "torch", "cpu")))
    empty = window.close(13.0, Counts(20, 20, 0, 0))  # no frame, no shift since
    assert empty.camera is None
    shown = dict(key_values(empty, "TRACKING", "torch", "cpu", camera_motion=True))
    assert (shown["camera shift (px)"], shown["camera shift believed"], shown["camera shifts believed"]) == (
        "n/a", "n/a", "0 of 0")


def test_refusals_key_counts_the_windows_lost_frames_by_reason_with_reacquire_on():
    window = steady_window()
    for refused in ("score", "association", "score", "", "verify"):
        window.lost_frame(refused)
    figures = window.close(12.0, Counts(20, 20, 0, 0))
    assert figures.refusals == (("score", 2), ("association", 1), ("verify", 1)) and figures.lost_frames == 5
    values = key_values(figures, "LOST", "torch", "cpu", reacquire=True)
    assert dict(values)["re-acquisition refusals"] == "score 2, association 1, verify 1 of 5 LOST frames"
    assert [key for key, _ in values][-2:] == ["re-acquisition refusals", "window (s)"]
    assert "re-acquisition refusals" not in dict(key_values(figures, "LOST", "torch", "cpu"))
    empty = window.close(13.0, Counts(20, 20, 0, 0))  # a new window: nothing carried over
    assert dict(key_values(empty, "TRACKING", "torch", "cpu", reacquire=True))["re-acquisition refusals"] == (
        "none of 0 LOST frames")


def test_status_message_carries_level_name_hardware_id_and_values():
    figures = steady_window().close(12.0, Counts(20, 20, 0, 0))
    message = status_message(Level.WARN, "target LOST", key_values(figures, "LOST", "torch", "cpu"),
                             "smat_tracker: tracking", "/smat_tracker")
    assert message.level == bytes([1]) and message.hardware_id == "/smat_tracker"
    assert message.name == "smat_tracker: tracking" and message.message == "target LOST"
    assert {kv.key: kv.value for kv in message.values}["state"] == "LOST"


def test_outside_active_the_level_tells_a_failed_configure_from_a_paused_node():
    figures = dataclasses.replace(steady_window().close(12.0, Counts(20, 20, 0, 0)), seconds_since_image=30.0)
    assert assess_node("active", "", figures, "TRACKING", 2.0, 40.0) == assess(figures, "TRACKING", 2.0, 40.0)
    assert assess_node("unconfigured", "configure failed: checkpoint not found: w.pth", figures, "IDLE", 2.0,
                       0.0) == (Level.ERROR, "configure failed: checkpoint not found: w.pth")
    assert assess_node("inactive", "", figures, "TRACKING", 2.0, 40.0) == (Level.OK, "inactive: not taking images")
