"""video_source's parameter table; in sync mode it sends a frame again, newly stamped, when its detections do not
come within sync_timeout_s (a best-effort first frame lost right after discovery used to leave scripts/demo.sh
waiting for its timeout)."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
from rcl_interfaces.msg import ParameterType
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection2DArray

from smat_ros.ros.parameters import check, descriptor
from smat_ros.ros.video_source import DEFAULTS, VideoSourceParameters


def test_a_frame_without_detections_is_sent_again(ros, frames, tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    for index in range(2):
        cv2.imwrite(str(folder / f"{index:04d}.png"), cv2.cvtColor(frames[index], cv2.COLOR_RGB2BGR))
    driver = ros.Driver(ros.next_domain_id())
    received: list[Image] = []
    ack = driver.node.create_publisher(Detection2DArray, "/test/ack", QoSProfile(depth=10))

    def on_image(msg: Image) -> None:
        received.append(msg)
        if len(received) >= 2:  # the first send goes unanswered, as if lost
            ack.publish(Detection2DArray(header=msg.header))

    driver.node.create_subscription(Image, "image", on_image, QoSProfile(depth=10))
    log = tmp_path / "video_source.log"
    source = ros.run_module("smat_ros.ros.video_source",
                            ["-p", f"source:={folder}", "-p", "sync_topic:=/test/ack", "-p", "sync_timeout_s:=1.0"],
                            int(driver.context.get_domain_id()), log)
    try:
        assert driver.spin_until(lambda: source.poll() is not None, 120.0), log.read_text()
        assert driver.wait_gone("video_source"), log.read_text()
    finally:
        ros.stop(source)
        driver.close()
    assert source.returncode == 0 and "sent again" in log.read_text(), log.read_text()
    assert len(received) == 3
    pixels = [np.frombuffer(bytes(msg.data), np.uint8) for msg in received]
    assert np.array_equal(pixels[0], pixels[1]) and not np.array_equal(pixels[1], pixels[2])
    stamps = [msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec for msg in received]
    assert stamps == sorted(set(stamps))


def test_descriptors_carry_type_range_and_read_only():
    """Every parameter is read-only; the rate and the sync wait are float ranges, the encoding a choice; the
    defaults pass their own checks."""
    rate = descriptor("rate_hz", DEFAULTS)
    assert rate.type == ParameterType.PARAMETER_DOUBLE
    assert (rate.floating_point_range[0].from_value, rate.floating_point_range[0].to_value) == (0.0, 1000.0)
    wait = descriptor("sync_timeout_s", DEFAULTS).floating_point_range[0]
    assert (wait.from_value, wait.to_value) == (0.1, 3600.0)
    assert descriptor("loop", DEFAULTS).type == ParameterType.PARAMETER_BOOL
    encoding = descriptor("encoding", DEFAULTS)
    assert encoding.type == ParameterType.PARAMETER_STRING and "rgb8, bgr8" in encoding.description
    fields = [field.name for field in dataclasses.fields(VideoSourceParameters)]
    assert all(descriptor(name, DEFAULTS).read_only for name in fields)
    assert all(check(name, getattr(DEFAULTS, name), DEFAULTS) is None for name in fields)
    reason = check("encoding", "mono8", DEFAULTS)
    assert reason is not None and "must be one of rgb8, bgr8" in reason
