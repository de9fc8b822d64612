"""Declaring a node's parameters dataclass (start values refused with the reason); which parameter changes the tracker
node takes, in which lifecycle state, and why it refuses the others (no DDS traffic)."""
from __future__ import annotations

import dataclasses

import pytest
import rclpy
from rclpy.context import Context
from rclpy.node import Node
from rclpy.parameter import Parameter

from smat_ros.errors import StartupError
from smat_ros.ros.parameter_handling import change_rejection, check_all, declare_all, own_values, unknown_rejection
from smat_ros.ros.parameters import DEFAULTS, FIELDS
from smat_ros.ros.video_source import DEFAULTS as VIDEO_DEFAULTS


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


@pytest.fixture
def node_with(ros):
    """Makes an rclpy node ``name`` in its own context and domain, given ``-p`` overrides (no traffic)."""
    made = []

    def make(name: str, *overrides: str) -> Node:
        context = Context()
        args = ["--ros-args", *[arg for override in overrides for arg in ("-p", override)]]
        rclpy.init(context=context, domain_id=ros.next_domain_id(), args=args)
        node = Node(name, context=context)
        made.append((node, context))
        return node

    yield make
    for node, context in made:
        node.destroy_node()
        rclpy.shutdown(context=context)


def test_declare_all_declares_every_field_with_its_descriptor_and_returns_the_values(node_with):
    node = node_with("video_source", "rate_hz:=5.0", "encoding:=rgb8")
    values = declare_all(node, VIDEO_DEFAULTS)
    assert values == dataclasses.replace(VIDEO_DEFAULTS, rate_hz=5.0, encoding="rgb8")
    assert all(node.has_parameter(field.name) for field in dataclasses.fields(VIDEO_DEFAULTS))
    rate = node.describe_parameter("rate_hz")
    assert rate.read_only and rate.floating_point_range[0].to_value == 1000.0


@pytest.mark.parametrize("override, words", [
    ("rate_hz:=5000.0", "parameter 'rate_hz': "),
    ("rate_hz:=5", "expecting type 'DOUBLE'"),
    ("loop:=3", "parameter 'loop': "),
    ("encoding:=yuv422", "parameter 'encoding' must be one of rgb8, bgr8, got 'yuv422'"),
])
def test_declare_all_refuses_a_bad_start_value_naming_the_parameter(node_with, override, words):
    with pytest.raises(StartupError) as error:
        declare_all(node_with("video_source", override), VIDEO_DEFAULTS)
    assert words in str(error.value) and "\n" not in str(error.value), str(error.value)


def test_declare_all_managed_leaves_the_checks_to_configure(node_with):
    """The tracker node (managed): a value outside its choices is declared (configure refuses it with the reason);
    a wrong type or a value out of range still cannot be declared."""
    node = node_with("smat_tracker", "image_qos:=fastest")
    assert declare_all(node, DEFAULTS, managed=True).image_qos == "fastest"
    assert not node.describe_parameter("queue_depth").read_only  # applied at configure, changeable while unconfigured
    with pytest.raises(StartupError, match="parameter 'queue_depth'"):
        declare_all(node_with("smat_tracker", "queue_depth:=0"), DEFAULTS, managed=True)
