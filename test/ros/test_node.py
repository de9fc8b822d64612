"""The smat_tracker node as its own process, driven over DDS (loopback, own domain) by a node in this process.

One node process serves the tests of this module in order (each test uses new stamps); start-ups are the
expensive part on a shared CPU.
"""
from __future__ import annotations

import math

import cv2
import pytest
from rclpy.time import Time
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection2D

from smat_ros.ros.conversions import box_to_bbox

TOLERANCE_PX = 0.05


@pytest.fixture(scope="module")
def session(ros, checkpoint_path, tmp_path_factory):
    """(process, driver) of a tracker node on ``image`` with the fixture weights; scores never count as lost."""
    process, driver = ros.launch_node(
        {"checkpoint": str(checkpoint_path), "lost_score_threshold": 0.0, "lost_score_ratio": 0.0, "threads": 1,
         "frame_buffer_s": 1.0},
        tmp_path_factory.mktemp("tracker_node"))
    yield process, driver
    driver.close()
    ros.stop(process)


def assert_boxes_close(actual, expected) -> None:
    """Boxes equal within TOLERANCE_PX on every coordinate."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= TOLERANCE_PX, (got, want)


def test_target_before_any_frame_is_refused(session, ros):
    _, driver = session
    response = driver.set_target(ros.stamp_of(0), ros.init_box)
    assert not response.success and "no image received yet" in response.message and response.track_id == ""


def test_idle_node_publishes_empty_detections_with_the_image_header(session, ros, frames):
    _, driver = session
    for index in range(4):
        detections = driver.step(frames[index], ros.stamp_of(index))
        assert detections.detections == []
        assert driver.status_for(ros.stamp_of(index)).state == ros.TrackStatus.IDLE


def test_target_three_frames_back_tracks_like_the_library(session, ros, frames, library_boxes):
    _, driver = session
    response = driver.set_target(ros.stamp_of(0), ros.init_box)  # frames 0..3 are buffered: three frames back
    assert response.success and response.track_id, response.message
    last = 10
    expected = library_boxes(frames, 0, ros.init_box, last)[3:]  # frames 4..last
    actual = []
    for index in range(4, last + 1):
        detections = driver.step(frames[index], ros.stamp_of(index))
        assert [d.id for d in detections.detections] == [response.track_id]
        assert detections.detections[0].header == detections.header
        actual += ros.boxes_of(detections)
    assert_boxes_close(actual, expected)
    status = driver.status_for(ros.stamp_of(last))
    assert status.state == ros.TrackStatus.TRACKING and status.track_id == response.track_id
    assert status.frames_replayed == 3 and status.frames_dropped == 0
    assert status.frames_processed == last + 1 and status.processing_ms > 0


def test_debug_image_is_rendered_only_while_subscribed(session, ros, frames):
    _, driver = session
    driver.step(frames[11], ros.stamp_of(11))
    assert driver.status_for(ros.stamp_of(11)).debug_images == 0
    driver.subscribe_debug()
    index = 12
    while not driver.debug_images and index < 16:
        driver.step(frames[index], ros.stamp_of(index))
        driver.spin_until(lambda: len(driver.debug_images) > 0, 2.0)
        index += 1
    assert driver.debug_images, "no debug image while subscribed"
    stamp, image = next(iter(driver.debug_images.items()))
    assert image.header == driver.header(stamp) and (image.height, image.width) == frames[0].shape[:2]
    assert driver.status_for(ros.stamp_of(index - 1)).debug_images == len(driver.debug_images)

    assert driver.set_parameter("publish_debug_image", False).successful
    driver.step(frames[index], ros.stamp_of(index))
    assert driver.status_for(ros.stamp_of(index)).debug_images == len(driver.debug_images)
    assert driver.set_parameter("publish_debug_image", True).successful

    driver.node.destroy_subscription(driver.debug_sub)
    assert driver.spin_until(lambda: driver.node.count_subscribers("/smat_tracker/debug_image") == 0)
    driver.spin_until(lambda: False, 1.0)  # let the node see the subscriber leave
    rendered = driver.status_for(ros.stamp_of(index)).debug_images
    for index in (17, 18):
        driver.step(frames[index], ros.stamp_of(index))
        assert driver.status_for(ros.stamp_of(index)).debug_images == rendered


def test_clear_target_goes_idle(session, ros, frames):
    _, driver = session
    assert driver.clear().success
    assert driver.spin_until(lambda: driver.statuses[-1].state == ros.TrackStatus.IDLE)
    detections = driver.step(frames[20], ros.stamp_of(20))
    assert detections.detections == []
    status = driver.status_for(ros.stamp_of(20))
    assert status.state == ros.TrackStatus.IDLE and status.track_id == ""


def test_target_by_topic_on_the_frames_stamp(session, ros, frames, library_boxes):
    _, driver = session
    driver.step(frames[21], ros.stamp_of(21))
    box = (470.0, 230.0, 50.0, 80.0)
    message = Detection2D(bbox=box_to_bbox(box))
    message.header.stamp = Time(nanoseconds=ros.stamp_of(21)).to_msg()
    driver.init_box_pub.publish(message)
    assert driver.spin_until(lambda: driver.statuses[-1].state == ros.TrackStatus.TRACKING)
    expected = library_boxes(frames, 21, box, 25)
    actual = [ros.boxes_of(driver.step(frames[index], ros.stamp_of(index)))[0] for index in range(22, 26)]
    assert_boxes_close(actual, expected)


def test_invalid_images_are_counted_and_the_node_keeps_working(session, ros, frames):
    _, driver = session
    before = driver.statuses[-1].frames_rejected
    frame = frames[26]
    good = ros.stamp_of(26)
    unsupported = driver.header(good)
    driver.image_pub.publish(Image(header=unsupported, height=2, width=2, encoding="yuv422", step=4, data=bytes(8)))
    driver.image_pub.publish(Image(header=unsupported, height=4, width=4, encoding="rgb8", step=12, data=bytes(20)))
    driver.image_pub.publish(Image(header=unsupported, height=0, width=0, encoding="rgb8", step=0, data=b""))
    driver.publish(frame, ros.stamp_of(25))  # already processed: stale
    detections = driver.step(frame, good)
    status = driver.status_for(good)
    assert status.frames_rejected == before + 4
    assert len(detections.detections) == 1 and status.state == ros.TrackStatus.TRACKING


@pytest.mark.parametrize(
    "box, words",
    [
        ((600.0, 200.0, 0.0, 50.0), "width and height must be > 0"),
        ((math.nan, 200.0, 40.0, 50.0), "NaN"),
        ((900.0, 700.0, 40.0, 50.0), "outside"),
    ],
)
def test_invalid_target_boxes_are_refused(session, ros, box, words):
    _, driver = session
    response = driver.set_target(ros.stamp_of(26), box)
    assert not response.success and words in response.message, response.message


def test_target_older_than_the_buffer_is_refused_and_the_node_still_answers(session, ros, frames):
    _, driver = session
    response = driver.set_target(ros.stamp_of(0), ros.init_box)
    assert not response.success and "older than the oldest buffered frame" in response.message
    assert len(driver.step(frames[27], ros.stamp_of(27)).detections) == 1


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("lost_score_threshold", "high", "type"),
        ("lost_score_threshold", 2.0, "range"),
        ("frame_buffer_s", True, "type"),
        ("checkpoint", "/other.pth", "read-only"),
    ],
)
def test_bad_parameter_changes_are_rejected_with_a_reason(session, name, value, words):
    _, driver = session
    result = driver.set_parameter(name, value)
    assert not result.successful and words in result.reason.lower(), result.reason


def test_video_source_replays_one_frame_per_processed_frame(session, ros, tmp_path, frames):
    process, driver = session
    folder = tmp_path / "clip"
    folder.mkdir()
    for index in range(4):
        cv2.imwrite(str(folder / f"{index:04d}.png"), cv2.cvtColor(frames[28 + index], cv2.COLOR_RGB2BGR))
    before = set(driver.detections)
    domain = int(driver.context.get_domain_id())
    source = ros.run_module("smat_ros.ros.video_source",
                            ["-p", f"source:={folder}", "-p", "sync_topic:=/smat_tracker/detections"],
                            domain, tmp_path / "video_source.log")
    try:
        source.wait(timeout=120)
    finally:
        ros.stop(source)
    assert source.returncode == 0, (tmp_path / "video_source.log").read_text()
    assert driver.spin_until(lambda: len(set(driver.detections) - before) == 4, 10.0)
    assert process.poll() is None
