"""video_source in sync mode sends a frame again, newly stamped, when its detections do not come within
sync_timeout_s (a best-effort first frame lost right after discovery used to leave scripts/demo.sh waiting for its
timeout)."""
from __future__ import annotations

import cv2
import numpy as np
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection2DArray


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
    finally:
        ros.stop(source)
        driver.close()
    assert source.returncode == 0 and "sent again" in log.read_text(), log.read_text()
    assert len(received) == 3
    pixels = [np.frombuffer(bytes(msg.data), np.uint8) for msg in received]
    assert np.array_equal(pixels[0], pixels[1]) and not np.array_equal(pixels[1], pixels[2])
    stamps = [msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec for msg in received]
    assert stamps == sorted(set(stamps))
