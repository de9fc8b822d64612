"""Which parameter changes the node takes, in which lifecycle state, and why it refuses the others (no DDS)."""
from __future__ import annotations

import dataclasses

import pytest
from rclpy.parameter import Parameter

from smat_ros.errors import StartupError
from smat_ros.ros.parameter_handling import change_rejection, check_all, own_values, unknown_rejection
from smat_ros.ros.parameters import DEFAULTS, FIELDS


def test_a_valid_dynamic_change_is_taken_in_every_state():
    change = [Parameter("lost_score_threshold", value=0.2), Parameter("use_sim_time", value=True)]
    for lifecycle in ("unconfigured", "inactive", "active"):
        assert change_rejection(DEFAULTS, change, lifecycle) is None


def test_a_configure_time_parameter_changes_only_while_unconfigured():
    change = [Parameter("queue_depth", value=3)]
    assert change_rejection(DEFAULTS, change, "unconfigured") is None
    reason = change_rejection(DEFAULTS, change, "active")
    assert reason is not None and "'queue_depth' is read-only while the node is active" in reason


def test_an_invalid_value_is_refused_with_the_checks_reason_before_anything_else():
    change = [Parameter("lost_score_threshold", value=1.5), Parameter("queue_depth", value=3)]
    reason = change_rejection(DEFAULTS, change, "active")
    assert reason is not None and "lost_score_threshold" in reason and "[0.0, 1.0]" in reason


def test_values_that_do_not_fit_the_current_ones_are_refused():
    reason = change_rejection(DEFAULTS, [Parameter("found_score_threshold", value=0.1)], "active")
    assert reason is not None and "found_score_threshold" in reason and "lost_score_threshold" in reason
    lowered = dataclasses.replace(DEFAULTS, lost_score_threshold=0.05)
    assert change_rejection(lowered, [Parameter("found_score_threshold", value=0.1)], "active") is None


def test_own_values_leave_rclpys_parameters_out():
    change = [Parameter("use_sim_time", value=True), Parameter("status_rate_hz", value=5.0)]
    assert own_values(change) == {"status_rate_hz": 5.0}


def test_check_all_names_the_first_bad_value_or_the_bad_combination():
    check_all(DEFAULTS)
    with pytest.raises(StartupError, match="'device' must be auto"):
        check_all(dataclasses.replace(DEFAULTS, device="gpu"))
    with pytest.raises(StartupError, match="found_score_threshold"):
        check_all(dataclasses.replace(DEFAULTS, found_score_threshold=0.1))


def test_an_unknown_name_is_refused_with_the_list_of_known_ones():
    reason = unknown_rejection(["no_such", "other"])
    assert reason.startswith("unknown parameter(s) 'no_such', 'other'")
    assert all(name in reason for name in FIELDS) and reason.endswith("and use_sim_time")
