"""The library imports and runs with rclpy unavailable; only smat_ros/ros/ mentions rclpy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCK_ROS = """
import importlib.abc, sys
class BlockRos(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('rclpy', 'rosidl_runtime_py', 'sensor_msgs', 'vision_msgs', 'std_msgs'):
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, BlockRos())
import numpy as np
import smat_ros, smat_ros.checkpoint, smat_ros.crop, smat_ros.video, smat_ros.cli.track, smat_ros.cli.convert
import smat_ros.images, smat_ros.bag, smat_ros.replay, smat_ros.cli.replay
import smat_ros.teleop.server, smat_ros.teleop.frames
smat_ros.bag.typestore()
from smat_ros import Tracker
t = Tracker.from_checkpoint(sys.argv[1], device='cpu')
frame = np.zeros((120, 160, 3), dtype=np.uint8)
t.initialize(frame, (60, 40, 20, 30))
print(t.track(frame).box)
assert not any(m.split('.')[0] == 'rclpy' for m in sys.modules)
"""


def test_library_runs_without_ros(checkpoint_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_ROS, str(checkpoint_path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_only_the_ros_subpackage_imports_rclpy() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "smat_ros").rglob("*.py")
        if "ros" not in path.relative_to(ROOT / "smat_ros").parts[:1] and "rclpy" in path.read_text()
    ]
    assert offenders == []
