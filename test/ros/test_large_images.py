"""4K frames between processes with config/fastdds_large_data.xml (issue 16, item 8): a 3840x2160 and a 4096x3072
frame, each larger than the 16 MiB shared-memory segment of the loopback profile, published best effort (like a
camera) by video_source with the large-data profile, reach a subscriber and the tracker node. video_source loops
over the two frames, so a lost sample is sent again. With the loopback profile the 4096x3072 frame never arrives
(measured: docs/reliability.md)."""
from __future__ import annotations

import subprocess
import sys

import cv2
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

LARGE_PROFILE = "config/fastdds_large_data.xml"
SIZES = {(3840, 2160), (4096, 3072)}  # 24.9 MB and 37.7 MB as bgr8


def test_4k_frames_arrive_with_the_large_data_profile(ros, checkpoint_path, frames, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, (width, height) in enumerate(sorted(SIZES)):
        assert width * height * 3 > 16 * 1024 * 1024
        bgr = cv2.cvtColor(frames[index], cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(folder / f"{index:04d}.png"), cv2.resize(bgr, (width, height)))
    process, driver = ros.launch_node({"checkpoint": str(checkpoint_path), "threads": 1}, tmp_path)
    seen: set[tuple[int, int]] = set()
    driver.node.create_subscription(Image, "image", lambda msg: seen.add((msg.width, msg.height)),
                                    qos_profile_sensor_data)
    env = dict(ros.node_env(int(driver.context.get_domain_id())),
               FASTRTPS_DEFAULT_PROFILES_FILE=str(ros.root / LARGE_PROFILE))
    log = tmp_path / "video_source.log"
    source = subprocess.Popen(
        [sys.executable, "-m", "smat_ros.ros.video_source", "--ros-args", "-p", f"source:={folder}",
         "-p", "loop:=true", "-p", "rate_hz:=2.0"],
        cwd=ros.root, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        arrived = driver.spin_until(lambda: seen == SIZES and driver.statuses
                                    and driver.statuses[-1].frames_processed >= len(SIZES), 90.0)
        assert source.poll() is None, log.read_text()
    finally:
        driver.close()  # before the processes it hears from go (see Participant.wait_gone)
        ros.stop(source)
        ros.stop(process)
    assert arrived, f"sizes that arrived: {sorted(seen)}; node statuses: {len(driver.statuses)}"
    assert driver.statuses[-1].frames_rejected == 0
