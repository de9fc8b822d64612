"""The tracker as a managed node, driven over DDS through its lifecycle services (lifecycle_msgs ChangeState).

autostart false: unconfigured until configure/activate; deactivate stops detections and counting and keeps the
model and the target; cleanup releases the model; shutdown from active; a bad checkpoint fails configure with the
reason while the process stays up.
"""
from __future__ import annotations

import pytest

TOLERANCE_PX = 0.05


@pytest.fixture(scope="module")
def managed(ros, checkpoint_path, tmp_path_factory):
    """(process, driver, log path) of a tracker node started with autostart false and reliable image QoS."""
    workdir = tmp_path_factory.mktemp("tracker_lifecycle")
    params = {"checkpoint": str(checkpoint_path), "autostart": False, "image_qos": "reliable",
              "lost_score_threshold": 0.0, "threads": 1}
    process, driver = ros.launch_node(params, workdir, active=False)
    yield process, driver, workdir / "node.log"
    driver.close()
    ros.stop(process)


def offers_target_services(driver) -> bool:
    """Whether the node's set_target and clear_target services are there (spins briefly for discovery)."""
    driver.spin_until(lambda: False, 1.0)
    return driver.set_target_client.service_is_ready() or driver.clear_client.service_is_ready()


def test_without_autostart_the_node_waits_unconfigured_for_a_manager(managed):
    process, driver, log = managed
    assert driver.lifecycle_state() == "unconfigured"
    assert driver.image_pub.get_subscription_count() == 0
    assert not offers_target_services(driver)
    assert driver.node.count_publishers("/smat_tracker/detections") == 0
    assert "configured:" not in log.read_text()


def test_configure_then_activate_makes_it_track_like_the_library(managed, ros, frames, library_boxes):
    process, driver, _ = managed
    assert driver.transition("configure")
    assert driver.lifecycle_state() == "inactive"
    assert driver.image_pub.get_subscription_count() == 0  # inputs open only when active
    assert driver.transition("activate")
    assert driver.lifecycle_state() == "active"
    driver.wait_ready(process)
    driver.step(frames[0], ros.stamp_of(0))
    assert driver.set_target(ros.stamp_of(0), ros.init_box).success
    expected = library_boxes(frames, 0, ros.init_box, 3)
    actual = [ros.boxes_of(driver.step(frames[index], ros.stamp_of(index)))[0] for index in (1, 2, 3)]
    for got, want in zip(actual, expected, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= TOLERANCE_PX, (got, want)


def test_deactivate_stops_detections_and_counting_and_keeps_the_target(managed, ros, frames, library_boxes):
    process, driver, _ = managed
    received = driver.status_for(ros.stamp_of(3)).frames_received
    assert driver.transition("deactivate")
    assert driver.lifecycle_state() == "inactive"
    assert driver.spin_until(lambda: driver.image_pub.get_subscription_count() == 0, 10.0)
    for index in (4, 5):
        driver.publish(frames[index], ros.stamp_of(index))
    driver.spin_until(lambda: False, 2.0)
    assert ros.stamp_of(4) not in driver.detections and ros.stamp_of(5) not in driver.detections
    assert not offers_target_services(driver)

    assert driver.transition("activate")
    driver.wait_ready(process)
    detections = driver.step(frames[6], ros.stamp_of(6))
    status = driver.status_for(ros.stamp_of(6))
    assert status.frames_received == received + 1  # the frames sent while inactive were never taken
    assert status.state == ros.TrackStatus.TRACKING and len(detections.detections) == 1
    expected = library_boxes([frames[i] for i in (0, 1, 2, 3, 6)], 0, ros.init_box, 4)[-1]
    assert max(abs(a - b) for a, b in zip(ros.boxes_of(detections)[0], expected, strict=True)) <= TOLERANCE_PX


def test_cleanup_releases_the_model_and_configure_loads_it_again(managed, ros, frames):
    process, driver, log = managed
    assert driver.transition("deactivate") and driver.transition("cleanup")
    assert driver.lifecycle_state() == "unconfigured"
    assert driver.spin_until(lambda: driver.node.count_publishers("/smat_tracker/detections") == 0, 10.0)
    assert "cleaned up: the model is released" in log.read_text()
    assert driver.transition("configure") and driver.transition("activate")
    driver.wait_ready(process)
    detections = driver.step(frames[10], ros.stamp_of(10))
    status = driver.status_for(ros.stamp_of(10))
    assert detections.detections == [] and status.state == ros.TrackStatus.IDLE and status.track_id == ""
    assert log.read_text().count("configured:") == 2


def test_shutdown_from_active_finalizes_and_the_process_stays_up(managed, ros):
    process, driver, _ = managed
    assert driver.lifecycle_state() == "active"
    assert driver.transition("shutdown")
    assert driver.lifecycle_state() == "finalized"
    assert driver.spin_until(lambda: driver.image_pub.get_subscription_count() == 0, 10.0)
    assert process.poll() is None


def test_bad_checkpoint_fails_configure_with_the_reason_and_the_process_stays_up(ros, tmp_path):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a safetensors file")
    process, driver = ros.launch_node({"checkpoint": str(bad), "threads": 1}, tmp_path, active=False)
    try:
        assert driver.spin_until(lambda: "configure failed" in (tmp_path / "node.log").read_text(), 120.0)
        assert driver.lifecycle_state() == "unconfigured"
        assert not driver.transition("configure")  # a manager's retry fails the same way
        assert driver.lifecycle_state() == "unconfigured" and process.poll() is None
    finally:
        driver.close()
        ros.stop(process)
    lines = [line for line in (tmp_path / "node.log").read_text().splitlines() if "configure failed" in line]
    assert len(lines) == 2 and all(f"cannot load the tracker from {bad}" in line for line in lines), lines
    assert "Traceback" not in (tmp_path / "node.log").read_text()


def test_a_manager_fixes_the_checkpoint_while_unconfigured_and_configures_again(ros, checkpoint_path, frames,
                                                                                tmp_path):
    params = {"checkpoint": str(tmp_path / "missing.pth.tar"), "autostart": False, "threads": 1,
              "image_qos": "reliable"}
    process, driver = ros.launch_node(params, tmp_path, active=False)
    try:
        assert not driver.transition("configure")
        result = driver.set_parameter("checkpoint", str(checkpoint_path))
        assert result.successful, result.reason
        assert driver.transition("configure") and driver.transition("activate")
        driver.wait_ready(process)
        assert driver.step(frames[0], ros.stamp_of(0)).detections == []
        refused = driver.set_parameter("checkpoint", str(tmp_path / "other.pth.tar"))
        assert not refused.successful and "read-only while the node is active" in refused.reason
    finally:
        driver.close()
        ros.stop(process)
    assert f"with {checkpoint_path}" in (tmp_path / "node.log").read_text()
