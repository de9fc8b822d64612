"""The launch file, run against recording stand-ins for launch/launch_ros (not installable from PyPI).

What can be checked here: it names the installed executable and config, declares its arguments, and maps them
onto the node. CI (.github/workflows/ros.yml) runs it for real with ros2 launch.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

import pytest
from ament_index_python.packages import get_package_prefix

ROOT = Path(__file__).resolve().parents[2]


class Recorded:
    """Stand-in for a launch action: keeps its arguments."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs


class LaunchConfiguration:
    """Stand-in substitution that reads its value from the context dict."""

    def __init__(self, name: str) -> None:
        self.name = name

    def perform(self, context: dict) -> str:
        """The argument's value in ``context``."""
        return context[self.name]


@pytest.fixture
def launch_file(monkeypatch):
    """The launch module loaded with stand-in launch/launch_ros modules."""
    modules = {
        "launch": types.ModuleType("launch"),
        "launch.actions": types.ModuleType("launch.actions"),
        "launch.substitutions": types.ModuleType("launch.substitutions"),
        "launch_ros": types.ModuleType("launch_ros"),
        "launch_ros.actions": types.ModuleType("launch_ros.actions"),
    }
    modules["launch"].LaunchDescription = Recorded
    modules["launch.actions"].DeclareLaunchArgument = Recorded
    modules["launch.actions"].OpaqueFunction = Recorded
    modules["launch.substitutions"].LaunchConfiguration = LaunchConfiguration
    modules["launch_ros.actions"].Node = Recorded
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setenv("AMENT_PREFIX_PATH", os.environ.get("AMENT_PREFIX_PATH", sys.prefix))
    spec = importlib.util.spec_from_file_location("tracker_launch", ROOT / "launch" / "tracker.launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def prefix(launch_file) -> Path:
    """Where smat_ros is installed (the venv after scripts/build_ros.sh, install/smat_ros under colcon)."""
    return Path(get_package_prefix("smat_ros"))


def declared(description: Recorded) -> dict[str, dict]:
    """Declared launch arguments by name."""
    return {a.args[0]: a.kwargs for a in description.args[0] if a.args and isinstance(a.args[0], str)}


def node_of(description: Recorded, **values: str) -> Recorded:
    """The Node the launch file builds for the given argument values (defaults elsewhere)."""
    context = {name: kwargs["default_value"] for name, kwargs in declared(description).items()}
    context.update(values)
    opaque = description.args[0][-1]
    (node,) = opaque.kwargs["function"](context)
    return node


def test_declares_the_documented_arguments_with_installed_defaults(launch_file, prefix):
    arguments = declared(launch_file.generate_launch_description())
    assert set(arguments) == {"params_file", "namespace", "image", "checkpoint", "autostart",
                              "dds_profile"}
    assert Path(arguments["params_file"]["default_value"]) == prefix / "share/smat_ros/config/tracker.yaml"
    assert Path(arguments["params_file"]["default_value"]).is_file()
    assert Path(arguments["dds_profile"]["default_value"]).is_file()
    assert all(kwargs["description"] for kwargs in arguments.values())


def test_node_runs_the_installed_executable_with_defaults(launch_file, prefix):
    node = node_of(launch_file.generate_launch_description())
    assert (node.kwargs["package"], node.kwargs["executable"], node.kwargs["name"]) == (
        "smat_ros", "tracker_node", "smat_tracker")
    executable = prefix / "lib" / "smat_ros" / "tracker_node"
    assert executable.is_file() and os.access(executable, os.X_OK)
    assert node.kwargs["parameters"][1] == {}
    assert ("image", "image") in node.kwargs["remappings"]


def test_arguments_reach_the_node(launch_file):
    node = node_of(launch_file.generate_launch_description(), namespace="drone1", image="/cam/color",
                   checkpoint="/w/smat.safetensors", params_file="/p.yaml", dds_profile="", autostart="False")
    assert node.kwargs["namespace"] == "drone1"
    assert node.kwargs["parameters"] == ["/p.yaml", {"checkpoint": "/w/smat.safetensors", "autostart": False}]
    assert ("image", "/cam/color") in node.kwargs["remappings"]
    assert ("image/compressed", "/cam/color/compressed") in node.kwargs["remappings"]
    assert node.kwargs["additional_env"] == {}
