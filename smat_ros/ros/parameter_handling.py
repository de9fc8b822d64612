"""Declaring a node's parameters dataclass (every node), and what the tracker node does with its parameters: check
them all at configure, and decide whether a change asked at run time is taken (with the reason when it is refused)
and what the values are after it."""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from rclpy.exceptions import ParameterException
from rclpy.node import Node
from rclpy.parameter import Parameter

from smat_ros.errors import StartupError
from smat_ros.ros.parameters import (
    DEFAULTS,
    FIELDS,
    NodeParameters,
    check,
    check_together,
    descriptor,
    is_dynamic,
    plain,
)

P = TypeVar("P")  # a parameters dataclass built with parameters.parameter_field


def declare_all(node: Node, defaults: P, managed: bool = False) -> P:
    """Declare every field of the parameters dataclass instance ``defaults`` on ``node`` and return the values.

    StartupError naming the parameter when a given value has the wrong type or is out of range (rclpy enforces the
    descriptor) or, unless ``managed`` (a lifecycle node checks its values at configure), fails :func:`check`.
    """
    values = {}
    for field in dataclasses.fields(defaults):
        name = field.name
        try:
            value = node.declare_parameter(name, getattr(defaults, name), descriptor(name, defaults, managed)).value
        except ParameterException as exc:
            raise StartupError(f"parameter {name!r}: {exc}") from None
        reason = None if managed else check(name, value, defaults)
        if reason is not None:
            raise StartupError(reason)
        values[name] = plain(value)
    return type(defaults)(**values)


def declare_parameters(node: Node) -> NodeParameters:
    """Declare every parameter on ``node`` with its managed descriptor (type and range enforced, the values checked
    at configure) and return the values; StartupError naming the parameter when a given value has the wrong type or
    is out of range."""
    return declare_all(node, DEFAULTS, managed=True)


def check_all(params: NodeParameters) -> None:
    """StartupError with the reason when any value, or any combination of values, is invalid (at configure)."""
    for name in FIELDS:
        reason = check(name, getattr(params, name))
        if reason is not None:
            raise StartupError(reason)
    reason = check_together(params)
    if reason is not None:
        raise StartupError(reason)


def own_values(params: list[Parameter]) -> dict[str, Any]:
    """The node's own parameters among ``params`` by name (rclpy's, such as use_sim_time, left out)."""
    return {param.name: plain(param.value) for param in params if param.name in FIELDS}


def change_rejection(current: NodeParameters, params: list[Parameter], lifecycle: str) -> str | None:
    """Why the change ``params`` is refused while the node is in ``lifecycle`` (a value is invalid, or a parameter
    applied at configure changes outside unconfigured), or None when it is taken."""
    for param in params:
        if param.name not in FIELDS:
            continue  # rclpy's own (use_sim_time): rclpy checks them
        reason = check(param.name, param.value)
        if reason is None and not is_dynamic(param.name) and lifecycle != "unconfigured":
            reason = (f"parameter {param.name!r} is read-only while the node is {lifecycle}: it is applied "
                      "at configure (deactivate and clean up the node first)")
        if reason is not None:
            return reason
    return check_together(dataclasses.replace(current, **own_values(params)))


def unknown_rejection(unknown: list[str]) -> str:
    """Why a change naming the undeclared parameters ``unknown`` is refused."""
    return (f"unknown parameter(s) {', '.join(map(repr, unknown))}: the node's parameters are "
            f"{', '.join(FIELDS)} and use_sim_time")
