"""Fault suite: the smat_tracker node, one process over real DDS, fed every kind of bad input a robot can produce
(stamps, images, targets, sizes, parameters, bursts of service calls), each followed by good frames whose boxes
must equal the library's on the same frames.

Issue 16's numbered items: 1 negative stamps, 2-3 huge boxes, 4 far-future / un-normalized / backwards stamps,
5 service bursts, 6 resolution changes, 8 frame-buffer byte budget, 10 target stamps and frame_ids, last_error,
use_sim_time, unknown parameters (7 and 9, signals, are in test_node_shutdown.py); and the surfaces the follow-me
and managed-node work added: bad camera_info, lifecycle transitions that do not exist in a state. The image QoS is
reliable here so that no test depends on a best-effort message arriving; every test uses its own stamp range,
increasing through the module, and sets its own target.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from builtin_interfaces.msg import Time as StampMsg
from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2D

from smat_ros.ros.conversions import box_to_bbox, rgb_to_image
from smat_ros.srv import SetTarget

TOLERANCE_PX = 0.05
S = 1_000_000_000


@pytest.fixture(scope="module")
def session(ros, checkpoint_path, tmp_path_factory):
    """(process, driver) of a tracker node with reliable images; scores never count as lost."""
    process, driver = ros.launch_node(
        {"checkpoint": str(checkpoint_path), "lost_score_threshold": 0.0, "lost_score_ratio": 0.0, "threads": 1,
         "frame_buffer_s": 1.0, "image_qos": "reliable", "queue_depth": 50},
        tmp_path_factory.mktemp("tracker_faults"))
    yield process, driver
    driver.close()
    ros.stop(process)


class Track:
    """One target on the vtest frames: good frames stepped through the node, the boxes it published for them."""

    def __init__(self, driver, ros, frames, base_s: int, first: int = 0) -> None:
        self.driver, self.ros, self.frames, self.base_s = driver, ros, frames, base_s
        self.sequence: list[np.ndarray] = []  # the good frames in the order the node got them
        self.boxes: list[tuple[float, ...]] = []
        self.index = first  # next vtest frame
        self.stamp_ns = 0  # stamp of the last good frame
        self.track_id = ""

    def next_stamp(self) -> int:
        """Stamp of the next good frame."""
        return self.ros.stamp_of(len(self.sequence), self.base_s)

    def good(self, frame: np.ndarray | None = None, stamp_ns: int | None = None):
        """Step the next vtest frame (or ``frame``) through the node; its status."""
        frame = self.frames[self.index % len(self.frames)] if frame is None else frame
        stamp_ns = self.next_stamp() if stamp_ns is None else stamp_ns
        detections = self.driver.step(frame, stamp_ns)
        self.sequence.append(frame)
        self.index += 1
        self.stamp_ns = stamp_ns
        if self.track_id:
            assert [d.id for d in detections.detections] == [self.track_id], "the target was lost to a fault"
            self.boxes += self.ros.boxes_of(detections)
        return self.driver.status_for(stamp_ns)

    def start(self, box=None) -> None:
        """Step one frame and set the target on it."""
        self.track_id = ""
        self.good()
        self.init_index, self.box = len(self.sequence) - 1, box or self.ros.init_box
        response = self.driver.set_target(self.stamp_ns, self.box)
        assert response.success, response.message
        self.track_id = response.track_id

    def assert_like_the_library(self, library_boxes) -> None:
        """The boxes published since the target equal the library's on the same frames."""
        expected = library_boxes(self.sequence, self.init_index, self.box, len(self.sequence) - 1)
        assert len(self.boxes) == len(expected) > 0
        for got, want in zip(self.boxes, expected, strict=True):
            assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= TOLERANCE_PX, (got, want)


def header(sec: int, nanosec: int, frame_id: str = "camera") -> Header:
    """A header with a raw (possibly invalid) stamp."""
    return Header(stamp=StampMsg(sec=sec, nanosec=nanosec), frame_id=frame_id)


def test_bad_image_stamps_are_rejected_and_tracking_goes_on(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3000)
    track.start()
    now_s = int(driver.node.get_clock().now().nanoseconds // S)
    bad_stamps = [
        ((-1, 0), "negative"),  # item 1: killed the node before
        ((12, 4294967295), "not normalized"),  # item 4: read as +4.29 s, blocked five frames
        ((2**31 - 1, 0), "ahead of the node clock"),  # item 4: blocked every later frame
        ((now_s + 3600, 0), "ahead of the node clock"),
        (None, "not newer"),  # the last good frame's stamp again
        ("late", "not newer"),  # 0.5 s older than the last good frame: a late frame, not a clock reset
    ]
    for stamp, words in bad_stamps:
        before = driver.statuses[-1].frames_rejected
        if stamp is None:
            sec, nanosec = divmod(track.stamp_ns, S)
        elif stamp == "late":
            sec, nanosec = divmod(track.stamp_ns - S // 2, S)
        else:
            sec, nanosec = stamp
        driver.image_pub.publish(rgb_to_image(frames[track.index], header(sec, nanosec), "bgr8"))
        status = track.good()
        assert status.frames_rejected == before + 1 and words in status.last_error, (stamp, status.last_error)
        assert status.state == ros.TrackStatus.TRACKING and status.clock_resets == 0
    track.assert_like_the_library(library_boxes)


def test_stamps_jumping_back_reset_the_ordering_and_keep_the_target(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3100, first=10)
    track.start()
    resets = driver.statuses[-1].clock_resets
    for _ in range(3):
        track.good()
    track.base_s = 3050  # a bag played again from an earlier point
    for _ in range(3):
        status = track.good(stamp_ns=ros.stamp_of(len(track.sequence), track.base_s))
    assert status.clock_resets == resets + 1 and status.state == ros.TrackStatus.TRACKING
    track.base_s = 0  # a simulator restarting its clock near zero
    status = track.good(stamp_ns=ros.stamp_of(len(track.sequence), track.base_s))
    assert status.clock_resets == resets + 2
    track.base_s = 3200  # forward again: just newer frames
    for _ in range(2):
        status = track.good(stamp_ns=ros.stamp_of(len(track.sequence), track.base_s))
    assert status.clock_resets == resets + 2
    track.assert_like_the_library(library_boxes)
    # a target named by a stamp of the old epoch is refused: those frames were forgotten
    response = driver.set_target(ros.stamp_of(1, 3100), ros.init_box)
    assert not response.success and "older than the oldest buffered frame" in response.message


def test_unstamped_images_are_tracked_in_arrival_order(session, ros, frames, library_boxes):
    _, driver = session
    resets = driver.statuses[-1].clock_resets
    sequence, boxes = [], []
    for index in range(20, 26):
        driver.detections.pop(0, None)
        driver.statuses.clear()
        detections = driver.step(frames[index], 0)
        sequence.append(frames[index])
        if index == 20:
            response = driver.set_target(0, ros.init_box)  # zero stamp: the newest frame
            assert response.success, response.message
            track_id = response.track_id
        else:
            assert [d.id for d in detections.detections] == [track_id]
            boxes += ros.boxes_of(detections)
    expected = library_boxes(sequence, 0, ros.init_box, len(sequence) - 1)
    assert max(abs(a - b) for got, want in zip(boxes, expected, strict=True)
               for a, b in zip(got, want, strict=True)) <= TOLERANCE_PX
    # stamped frames after unstamped ones (ordered by the node's clock, far ahead of these stamps): a reset
    status = Track(driver, ros, frames, base_s=3300, first=26).good()
    assert status.clock_resets == resets + 1 and status.state == ros.TrackStatus.TRACKING


BAD_BOXES = [
    ((math.nan, 200.0, 40.0, 50.0), "NaN"),
    ((100.0, 200.0, math.inf, 50.0), "infinite"),
    ((600.0, 200.0, 0.0, 50.0), "width and height must be > 0"),
    ((600.0, 200.0, 30.0, -5.0), "width and height must be > 0"),
    ((600.0, 200.0, 0.5, 0.5), "too small"),
    ((0.0, 0.0, 1e6, 1e6), "too large"),  # item 2: cv2 'Insufficient memory' before
    ((0.0, 0.0, 1e308, 1e308), "too large"),  # item 2: OverflowError before
    ((-12000.0, -12000.0, 24000.0, 24000.0), "too large"),  # item 3: 10.7 s, 7 GB, then a dead worker before
    ((5000.0, 200.0, 40.0, 50.0), "outside"),
    ((-500.0, 200.0, 40.0, 50.0), "outside"),
]


def test_bad_target_requests_are_refused_and_the_track_goes_on(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3400, first=30)
    track.start()
    track.good()
    requests = [(header(-1, 0), ros.init_box, "negative"),  # item 1: the caller never got an answer before
                (header(3400, 4294967295), ros.init_box, "not normalized"),
                (header(3500, 0), ros.init_box, "has not arrived"),  # item 10: applied to the newest frame before
                (header(3399, 0), ros.init_box, "older than the oldest buffered frame"),
                ("other_camera", ros.init_box, "frame_id")]  # item 10: accepted silently before
    requests += [("camera", box, words) for box, words in BAD_BOXES]
    for request_header, box, words in requests:
        if isinstance(request_header, str):  # the newest frame's stamp with this frame_id
            request_header = header(*divmod(track.stamp_ns, S), request_header)
        request = SetTarget.Request(header=request_header, bbox=box_to_bbox(box))
        response = driver.call(driver.set_target_client, request)
        assert not response.success and words in response.message and response.track_id == "", response.message
        status = track.good()
        assert status.track_id == track.track_id and words in status.last_error
    # item 10: a failed init_box shows in a status at once, not at the next frame
    message = Detection2D(bbox=box_to_bbox((0.0, 0.0, 1e308, 50.0)))
    message.header = header(*divmod(track.stamp_ns, S))
    statuses = len(driver.statuses)
    driver.init_box_pub.publish(message)
    assert driver.spin_until(lambda: any("too large" in s.last_error for s in driver.statuses[statuses:]), 10.0)
    track.good()
    track.assert_like_the_library(library_boxes)
    # item 10: last_error is cleared by a new target
    Track(driver, ros, frames, base_s=3450, first=40).start()
    assert driver.spin_until(lambda: driver.statuses[-1].last_error == "" and driver.statuses[-1].track_id != "")


def test_a_resolution_change_drops_the_target_with_the_reason(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3500, first=0)
    track.start()
    track.good()
    height, width = frames[0].shape[:2]
    statuses = len(driver.statuses)
    small = cv2.resize(frames[track.index], (320, 240))
    stamp = track.next_stamp()
    detections = driver.step(small, stamp)  # item 6: tracked on at scores 0.31-0.37 in a corner before
    assert detections.detections == []
    cleared = [s for s in driver.statuses[statuses:] if s.event == ros.TrackStatus.EVENT_CLEARED]
    assert cleared and "image size changed from" in cleared[0].last_error
    assert f"{width}x{height}" in cleared[0].last_error
    assert driver.status_for(stamp).state == ros.TrackStatus.IDLE and driver.status_for(stamp).track_id == ""
    track.sequence.append(small)
    track.track_id = ""
    for frame in (np.zeros((1, 1, 3), np.uint8), frames[3], frames[4]):
        assert track.good(frame).state == ros.TrackStatus.IDLE
        assert driver.detections[track.stamp_ns].detections == []
    replacement = Track(driver, ros, frames, base_s=3550, first=5)
    replacement.start()
    for _ in range(4):
        replacement.good()
    replacement.assert_like_the_library(library_boxes)


def test_bad_images_are_counted_and_tracking_goes_on(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3600, first=12)
    track.start()
    bad_images = [
        (dict(height=2, width=2, encoding="yuv422", step=4, data=bytes(8)), "unsupported image encoding"),
        (dict(height=2, width=2, encoding="32FC1", step=8, data=bytes(16)), "unsupported image encoding"),
        (dict(height=2, width=2, encoding="", step=6, data=bytes(12)), "unsupported image encoding"),
        (dict(height=4, width=4, encoding="rgb8", step=12, data=bytes(20)), "fewer than height*step"),
        (dict(height=4, width=4, encoding="rgb8", step=5, data=bytes(20)), "smaller than width"),
        (dict(height=0, width=0, encoding="rgb8", step=0, data=b""), "empty"),
        (dict(height=100000, width=100000, encoding="bgr8", step=300000, data=bytes(10)), "fewer than"),
        (dict(height=3, width=3, encoding="mono16", step=5, data=bytes(15)), "smaller than width"),
    ]
    for fields, words in bad_images:
        before = driver.statuses[-1].frames_rejected
        driver.image_pub.publish(Image(header=driver.header(track.next_stamp()), **fields))
        status = track.good()
        assert status.frames_rejected == before + 1 and words in status.last_error, (fields, status.last_error)
    track.assert_like_the_library(library_boxes)


def test_bad_parameters_are_refused_with_the_name_and_use_sim_time_is_accepted(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3700, first=20)
    track.start()
    for name, value, words in [("no_such_parameter", 1.0, "'no_such_parameter'"),  # item 10: "undeclared: []"
                               ("frame_buffer_mb", math.nan, "range"),
                               ("frame_buffer_mb", 0.0, "range"),
                               ("max_stamp_ahead_s", "soon", "type"),
                               ("clock_reset_s", -1.0, "range"),
                               ("queue_depth", 7, "read-only")]:
        result = driver.set_parameter(name, value)
        assert not result.successful and words in result.reason.lower(), (name, result.reason)
        track.good()
    assert driver.set_parameter("use_sim_time", True).successful  # item 10: refused as unknown before
    track.good()
    assert driver.set_parameter("use_sim_time", False).successful
    track.good()
    track.assert_like_the_library(library_boxes)


def test_the_byte_budget_bounds_the_frame_buffer(session, ros, frames):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3800, first=30)
    for _ in range(3):
        track.good()
    two_back = ros.stamp_of(0, track.base_s)
    assert driver.set_parameter("frame_buffer_mb", 1.0).successful  # less than one frame: only the newest is kept
    track.good()
    response = driver.set_target(two_back, ros.init_box)
    assert not response.success and "frame_buffer_mb=1.0" in response.message, response.message
    assert driver.set_parameter("frame_buffer_mb", 256.0).successful
    for _ in range(2):
        track.good()
    assert driver.set_target(ros.stamp_of(len(track.sequence) - 2, track.base_s), ros.init_box).success


def test_a_burst_of_service_calls_is_answered_while_frames_stream(session, ros, frames):
    _, driver = session
    track = Track(driver, ros, frames, base_s=3900, first=40)
    track.good()
    deep = QoSProfile(depth=100)
    clients = []
    for index in range(4):
        node = Node(f"burst_client_{index}", context=driver.context)
        driver.executor.add_node(node)
        clients.append((node, node.create_client(SetTarget, "/smat_tracker/set_target", qos_profile=deep),
                        node.create_client(Trigger, "/smat_tracker/clear_target", qos_profile=deep)))
    assert driver.spin_until(lambda: all(s.service_is_ready() and c.service_is_ready() for _, s, c in clients))
    futures = []
    for call in range(100):
        _, set_client, clear_client = clients[call % 4]
        if call % 3 == 2:
            futures.append(("clear", clear_client.call_async(Trigger.Request())))
        else:
            request = SetTarget.Request(bbox=box_to_bbox(ros.init_box))  # zero stamp: the newest frame
            futures.append(("set", set_client.call_async(request)))
        if call % 10 == 9:
            track.good()  # frames keep streaming while the calls queue up
    assert driver.spin_until(lambda: all(future.done() for _, future in futures), 120.0), \
        f"{sum(not f.done() for _, f in futures)} of 100 calls never answered"  # item 5: 79 before
    results = [(kind, future.result()) for kind, future in futures]
    assert all(response.success for _, response in results), [r.message for _, r in results if not r.success]
    track_ids = {response.track_id for kind, response in results if kind == "set"}
    assert len(track_ids) == sum(kind == "set" for kind, _ in results)  # every target got its own id
    status = track.good()
    assert (status.state, status.track_id) in {(ros.TrackStatus.IDLE, "")} | {
        (ros.TrackStatus.TRACKING, track_id) for track_id in track_ids}
    for node, _, _ in clients:
        driver.executor.remove_node(node)
        node.destroy_node()


def camera_info(stamp_header: Header, width: int = 768, height: int = 576, **fields) -> CameraInfo:
    """A pinhole camera_info for 768x576 images (fx = fy = 500, centred), with ``fields`` replaced."""
    values = dict(width=width, height=height, distortion_model="plumb_bob", d=[0.0] * 5,
                  k=[500.0, 0.0, width / 2, 0.0, 500.0, height / 2, 0.0, 0.0, 1.0])
    values.update(fields)
    return CameraInfo(header=stamp_header, **values)


def test_bad_camera_info_never_stops_tracking(session, ros, frames, library_boxes):
    _, driver = session
    track = Track(driver, ros, frames, base_s=4000, first=44)
    info_pub = driver.node.create_publisher(CameraInfo, "camera_info", QoSProfile(depth=10))
    assert driver.spin_until(lambda: info_pub.get_subscription_count() > 0)
    track.start()
    nan, inf = math.nan, math.inf
    bad_infos = [
        (lambda h: camera_info(header(-1, 0)), "camera_info ignored"),  # used to raise in the subscription callback
        (lambda h: camera_info(header(4000, 4294967295)), "camera_info ignored"),
        (lambda h: camera_info(h, k=[0.0] * 9), None),
        (lambda h: camera_info(h, k=[nan, 0.0, 384.0, 0.0, 500.0, 288.0, 0.0, 0.0, 1.0]), None),
        (lambda h: camera_info(h, k=[inf, 0.0, 384.0, 0.0, inf, 288.0, 0.0, 0.0, 1.0]), None),
        (lambda h: camera_info(h, d=[1e300] * 100), None),
        (lambda h: camera_info(h, d=[nan] * 5), None),
        (lambda h: camera_info(h, distortion_model="no_such_model", d=[0.1, 0.2]), None),
        (lambda h: camera_info(h, width=320, height=240), None),  # for another image size
    ]
    for make, words in bad_infos:
        stamp = track.next_stamp()
        info_pub.publish(make(driver.header(stamp)))
        driver.spin_until(lambda: False, 0.1)
        status = track.good()
        assert status.track_id == track.track_id and status.state == ros.TrackStatus.TRACKING
        assert words is None or words in status.last_error, status.last_error
    info_pub.publish(camera_info(driver.header(track.next_stamp())))  # a good one again
    track.good()
    track.assert_like_the_library(library_boxes)
    driver.node.destroy_publisher(info_pub)


def test_lifecycle_transitions_that_do_not_exist_in_a_state_are_refused(session, ros, frames, library_boxes):
    _, driver = session
    assert driver.lifecycle_state() == "active"
    for label in ("configure", "activate", "cleanup", "no_such_transition"):
        assert not driver.transition(label), f"{label} from active"
        assert driver.lifecycle_state() == "active"
    assert driver.transition("deactivate")
    for label in ("deactivate", "configure", "no_such_transition"):
        assert not driver.transition(label), f"{label} from inactive"
        assert driver.lifecycle_state() == "inactive"
    assert driver.transition("activate")
    track = Track(driver, ros, frames, base_s=4100, first=50)
    track.start()
    for _ in range(3):
        track.good()
    track.assert_like_the_library(library_boxes)
