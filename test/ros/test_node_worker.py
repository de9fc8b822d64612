"""Worker supervision (issue 16, item 3): if the tracking worker thread dies, the node says so and shuts down (main()
then exits with 1) instead of living on as a zombie that answers services but never tracks.

The node runs in this process with real rclpy; its callbacks are called directly, and the tracker's ``track`` is
replaced by one that raises a BaseException (what no per-frame handler may swallow), the one fault that cannot be
produced through messages any more.
"""
from __future__ import annotations

import time

import rclpy
from std_msgs.msg import Header

from smat_ros.ros.conversions import box_to_bbox, rgb_to_image
from smat_ros.ros.node import TrackerNode


class DyingTracker:
    """The real tracker, except that ``track`` raises SystemExit."""

    def __init__(self, tracker) -> None:
        self._tracker = tracker

    def __getattr__(self, name: str):
        return getattr(self._tracker, name)

    def track(self, frame, **kwargs):
        raise SystemExit("simulated fatal error in the tracker")


def test_a_dead_worker_stops_the_node_with_the_reason(ros, checkpoint_path, frames):
    rclpy.init(args=["--ros-args", "-p", f"checkpoint:={checkpoint_path}", "-p", "threads:=1"],
               domain_id=ros.next_domain_id())
    node = TrackerNode()
    try:
        node.autostart()
        node.tracker = DyingTracker(node.tracker)
        for index in range(2):
            header = Header(frame_id="camera")
            header.stamp.sec = 1000 + index
            node._on_image(rgb_to_image(frames[index], header, "bgr8"))
            if index == 0:
                success, message, _ = node._set_target(header, box_to_bbox(ros.init_box))
                assert success, message
        deadline = time.monotonic() + 30
        while node.context.ok() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "the tracking worker died" in node.worker_error and "simulated fatal" in node.worker_error
        assert not node.context.ok()  # the process's spin loop returns and main() exits with 1
    finally:
        node.close()
        node.destroy_node()
        rclpy.try_shutdown()
