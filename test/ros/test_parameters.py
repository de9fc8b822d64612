"""The node's parameter table: YAML defaults, descriptors and checks."""
from __future__ import annotations

import array
import dataclasses
import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rcl_interfaces.msg import ParameterType

from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.follow.states import StateConfig
from smat_ros.ros.parameters import (
    DEFAULTS,
    FIELDS,
    check,
    check_together,
    descriptor,
    follow_configs,
    is_dynamic,
    parameter_field,
    plain,
)

ROOT = Path(__file__).resolve().parents[2]


def test_tracker_yaml_lists_every_parameter_with_its_default():
    data = yaml.safe_load((ROOT / "config" / "tracker.yaml").read_text())
    assert list(data) == ["/**"]
    values = {name: plain(value) for name, value in data["/**"]["ros__parameters"].items()}  # YAML lists: tuples
    assert values == dataclasses.asdict(DEFAULTS)


def test_defaults_pass_their_own_checks():
    for name in FIELDS:
        assert check(name, getattr(DEFAULTS, name)) is None, name


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("lost_score_threshold", "high", "must be of type float"),
        ("lost_score_threshold", 1, "must be of type float"),
        ("lost_score_threshold", 1.5, r"must be in \[0.0, 1.0\]"),
        ("frame_buffer_s", -0.1, "must be in"),
        ("queue_depth", 0, "must be in"),
        ("publish_debug_image", 1, "must be of type bool"),
        ("image_qos", "fast", "must be one of sensor_data, reliable"),
        ("device", "gpu", "auto, cpu, cuda or cuda:N"),
        ("no_such_thing", 1, "unknown parameter"),
        ("reacquire_scales", 1.0, "must be a list of floats"),
        ("reacquire_scales", [1, 2], "must be a list of floats"),
        ("reacquire_scales", [], r"non-empty list of values in \[0.1, 10.0\]"),
        ("reacquire_scales", [1.0, 20.0], r"non-empty list of values in \[0.1, 10.0\], got \[1.0, 20.0\]"),
    ],
)
def test_invalid_values_are_rejected_with_a_reason(name, value, words):
    reason = check(name, value)
    assert reason is not None
    assert re.search(words, reason), reason


def test_float_arrays_are_held_as_tuples_whatever_rclpy_hands_over():
    assert check("reacquire_scales", array.array("d", [1.0, 0.9])) is None
    assert check("reacquire_scales", [1.0, 0.9]) is None
    assert plain(array.array("d", [1.0, 0.9])) == (1.0, 0.9) and plain(0.5) == 0.5
    assert descriptor("reacquire_scales").type == ParameterType.PARAMETER_DOUBLE_ARRAY
    assert follow_configs(dataclasses.replace(DEFAULTS, reacquire_scales=(1.0, 0.7)))[1].scales == (1.0, 0.7)


def test_a_pattern_belongs_to_its_field_not_to_a_name():
    @dataclasses.dataclass(frozen=True)
    class Other:
        device: str = parameter_field("camera0", "a camera, not a torch device")
        tag: str = parameter_field("a1", "a tag", pattern=(re.compile(r"[a-z]+\d+"), "letters then digits"))

    assert check("device", "/dev/video2", Other()) is None
    assert check("tag", "a1b", Other()) == "parameter 'tag' must be letters then digits, got 'a1b'"
    assert check("tag", "abc12", Other()) is None


def test_descriptors_carry_type_range_and_read_only():
    threshold = descriptor("lost_score_threshold")
    assert threshold.type == ParameterType.PARAMETER_DOUBLE and not threshold.read_only
    assert (threshold.floating_point_range[0].from_value, threshold.floating_point_range[0].to_value) == (0.0, 1.0)
    depth = descriptor("queue_depth")
    assert depth.type == ParameterType.PARAMETER_INTEGER and depth.read_only
    assert depth.integer_range[0].from_value == 1
    checkpoint = descriptor("checkpoint")
    assert checkpoint.type == ParameterType.PARAMETER_STRING and checkpoint.read_only and checkpoint.description
    assert "sensor_data" in descriptor("image_qos").description
    assert {name for name in FIELDS if is_dynamic(name)} == {
        "lost_score_threshold", "frame_buffer_s", "publish_debug_image", "image_timeout_s", "lost_score_ratio",
        "lost_after_frames", "found_score_threshold", "found_score_ratio", "found_after_frames", "target_timeout_s",
        "reacquire", "reacquire_budget", "status_rate_hz", "frame_buffer_mb", "max_stamp_ahead_s", "clock_reset_s",
        "proposal_ratio", "verify_iou", "verify_ratio", "appearance_ratio", "far_extra_frames", "drift_check_every",
        "drift_after_checks", "camera_motion", "camera_motion_confidence", "distractor_ratio", "distractor_memory_s",
        "association_min", "association_model", "reacquire_scales", "reacquire_tile_step", "max_size_change",
        "max_prediction_s"}


def test_follow_parameters_map_onto_the_library_and_are_checked_together():
    states, reacquire = follow_configs(DEFAULTS)
    assert states == StateConfig() and reacquire == ReacquireConfig()  # one source of defaults: the library
    assert follow_configs(dataclasses.replace(DEFAULTS, reacquire=False))[1] is False
    assert follow_configs(dataclasses.replace(DEFAULTS, reacquire_budget=3))[1].budget == 3
    changed = dataclasses.replace(DEFAULTS, proposal_ratio=0.5, verify_iou=0.0, verify_ratio=0.9, appearance_ratio=0.0,
                                  far_extra_frames=2, drift_check_every=0, drift_after_checks=3, camera_motion=True,
                                  camera_motion_confidence=0.3, distractor_ratio=0.0, distractor_memory_s=5.0,
                                  association_min=0.2, association_model="a.json", reacquire_tile_step=0.5,
                                  max_size_change=2.0, max_prediction_s=1.0)
    assert follow_configs(changed)[1] == ReacquireConfig(proposal_ratio=0.5, verify_iou=0.0, verify_ratio=0.9,
                                                         appearance_ratio=0.0, far_extra_frames=2,
                                                         drift_check_every=0, drift_after_checks=3, camera_motion=True,
                                                         camera_motion_confidence=0.3, distractor_ratio=0.0,
                                                         distractor_memory_s=5.0, association_min=0.2,
                                                         association_model="a.json", tile_step=0.5,
                                                         max_size_change=2.0, max_prediction_s=1.0)
    for name in ("proposal_ratio", "verify_iou", "verify_ratio", "appearance_ratio", "camera_motion_confidence",
                 "distractor_ratio", "association_min"):
        ranged = descriptor(name)
        assert not ranged.read_only and ranged.floating_point_range[0].to_value == 1.0
    assert descriptor("far_extra_frames").integer_range[0].from_value == 0
    assert descriptor("drift_after_checks").integer_range[0].from_value == 1
    assert check_together(DEFAULTS) is None
    assert check_together(dataclasses.replace(DEFAULTS, association_min=0.1)) is None  # the bundled model
    missing = check_together(dataclasses.replace(DEFAULTS, association_min=0.1, association_model="/none/a.json"))
    assert missing is not None and "/none/a.json" in missing
    assert check_together(dataclasses.replace(DEFAULTS, association_model="/none/a.json")) is None  # off: not read
    reason = check_together(dataclasses.replace(DEFAULTS, found_score_threshold=0.1))
    assert reason is not None and "found_score_threshold" in reason and "lost_score_threshold" in reason


def test_managed_descriptors_leave_configure_time_parameters_writable_and_say_when_they_apply():
    checkpoint = descriptor("checkpoint", managed=True)
    assert not checkpoint.read_only and "applied at configure" in checkpoint.description
    threshold = descriptor("lost_score_threshold", managed=True)
    assert not threshold.read_only and "applied at configure" not in threshold.description
    assert descriptor("queue_depth", managed=True).integer_range[0].from_value == 1


ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                      st.text(max_size=20), st.binary(max_size=8), st.lists(st.integers(), max_size=3))


@settings(max_examples=500, deadline=None)
@given(name=st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=20)), value=ANY_VALUE)
def test_check_answers_any_name_and_value_with_a_reason_or_none(name, value):
    reason = check(name, value)
    if name not in FIELDS:
        assert reason is not None and repr(name) in reason
    elif reason is None:
        assert type(value) is type(getattr(DEFAULTS, name))
        if isinstance(value, float):
            assert math.isfinite(value)
    else:
        assert name in reason


def test_backend_choices_come_from_the_backends_module():
    from smat_ros.backends.options import BACKEND_CHOICES, GRAPHS, PRECISIONS, PROVIDERS

    for name, choices in (("backend", BACKEND_CHOICES), ("precision", PRECISIONS), ("graph", GRAPHS),
                          ("provider", PROVIDERS)):
        assert FIELDS[name].metadata["choices"] == choices
        assert all(check(name, choice) is None for choice in choices)
        assert "must be one of" in check(name, "tflite")
    assert DEFAULTS.backend == "auto" and DEFAULTS.precision == "fp32"
