"""A tracker node configured by a YAML params file: compressed input, reliable QoS, a strict lost threshold."""
from __future__ import annotations

import pytest
from sensor_msgs.msg import CompressedImage

from smat_ros.ros.conversions import compressed_to_rgb, rgb_to_compressed

TOLERANCE_PX = 0.05


@pytest.fixture(scope="module")
def session(ros, checkpoint_path, tmp_path_factory):
    """(process, driver) of a node on image/compressed whose YAML makes every score count as lost at once."""
    params = {"checkpoint": str(checkpoint_path), "use_compressed": True, "image_qos": "reliable",
              "lost_score_threshold": 1.0, "found_score_threshold": 1.0, "lost_after_frames": 1,
              "found_after_frames": 1, "lost_score_ratio": 0.0, "found_score_ratio": 0.0, "reacquire": False,
              "threads": 1}
    process, driver = ros.launch_node(params, tmp_path_factory.mktemp("tracker_node_config"), compressed=True)
    yield process, driver
    driver.close()
    ros.stop(process)


def test_yaml_parameters_take_effect_and_compressed_input_tracks(session, ros, frames, library_boxes):
    _, driver = session
    driver.step(frames[0], ros.stamp_of(0), "jpeg")
    response = driver.set_target(0, ros.init_box)  # zero stamp: the latest frame
    assert response.success, response.message
    for index in (1, 2):  # threshold 1.0 from the YAML: every score is below it
        assert driver.step(frames[index], ros.stamp_of(index), "jpeg").detections == []
        assert driver.status_for(ros.stamp_of(index)).state == ros.TrackStatus.LOST
    for name in ("lost_score_threshold", "found_score_threshold"):  # every score passes from now on
        result = driver.set_parameter(name, 0.0)
        assert result.successful, result.reason
    decoded = [compressed_to_rgb(rgb_to_compressed(frame, driver.header(0), "jpeg")) for frame in frames[:7]]
    expected = library_boxes(decoded, 0, ros.init_box, 6)[2:]  # frames 3..6
    actual = []
    for index in range(3, 7):
        detections = driver.step(frames[index], ros.stamp_of(index), "jpeg")
        assert driver.status_for(ros.stamp_of(index)).state == ros.TrackStatus.TRACKING
        actual += ros.boxes_of(detections)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= TOLERANCE_PX, (got, want)


def test_corrupt_compressed_data_is_counted_and_the_node_keeps_working(session, ros, frames):
    _, driver = session
    before = driver.statuses[-1].frames_rejected
    driver.compressed_pub.publish(CompressedImage(header=driver.header(ros.stamp_of(7)), format="jpeg",
                                                  data=b"\xff\xd8\xff\xe0 not really a jpeg"))
    driver.compressed_pub.publish(CompressedImage(header=driver.header(ros.stamp_of(7)), format="bmp", data=b"BM"))
    driver.step(frames[7], ros.stamp_of(7), "jpeg")
    status = driver.status_for(ros.stamp_of(7))
    assert status.frames_rejected == before + 2 and "compressed image format" in status.last_error
