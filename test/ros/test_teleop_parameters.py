"""The teleop_ui node's parameter table: YAML defaults, descriptors and checks."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from rcl_interfaces.msg import ParameterType

from smat_ros.ros.parameters import check, descriptor
from smat_ros.ros.teleop_ui import DEFAULTS, TeleopParameters, is_loopback

ROOT = Path(__file__).resolve().parents[2]


def test_teleop_yaml_lists_every_parameter_with_its_default():
    data = yaml.safe_load((ROOT / "config" / "teleop.yaml").read_text())
    assert list(data) == ["/**"]
    assert data["/**"]["ros__parameters"] == dataclasses.asdict(DEFAULTS)


def test_defaults_pass_their_own_checks_and_listen_on_this_machine_only():
    for field in dataclasses.fields(TeleopParameters):
        assert check(field.name, getattr(DEFAULTS, field.name), DEFAULTS) is None, field.name
    assert is_loopback(DEFAULTS.host)


@pytest.mark.parametrize("name, value, words", [
    ("port", 70000, "must be in"),
    ("port", "8080", "must be of type int"),
    ("video", "tv", "must be one of camera, debug"),
    ("jpeg_quality", 0, "must be in"),
    ("service_timeout_s", 0.0, "must be in"),
    ("checkpoint", "x", "unknown parameter"),  # a tracker parameter is not the UI's
])
def test_invalid_values_are_rejected_with_a_reason(name, value, words):
    reason = check(name, value, DEFAULTS)
    assert reason is not None and words in reason, reason


def test_descriptors_are_read_only_with_ranges_and_choices():
    port = descriptor("port", DEFAULTS)
    assert port.type == ParameterType.PARAMETER_INTEGER and port.read_only
    assert (port.integer_range[0].from_value, port.integer_range[0].to_value) == (0, 65535)
    assert "camera, debug" in descriptor("video", DEFAULTS).description
    assert descriptor("token", DEFAULTS).type == ParameterType.PARAMETER_STRING


@pytest.mark.parametrize("host, local", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                         ("0.0.0.0", False), ("::", False), ("192.168.1.5", False)])
def test_loopback_hosts(host, local):
    assert is_loopback(host) is local
