"""Start-up of the nodes: a parameter the tracker node cannot even declare (wrong type) and a bad video_source
give a clear error line and a non-zero exit; a bad checkpoint or value fails the tracker's configure transition
with the reason while its process stays up for a lifecycle manager; no traceback; without a checkpoint the tracker
node uses the demo weights."""
from __future__ import annotations

import pytest

NODE = "smat_ros.ros.node"
SOURCE = "smat_ros.ros.video_source"


@pytest.mark.parametrize(
    "module, args, words",
    [
        (NODE, ["-p", "checkpoint:=CHECKPOINT", "-p", "lost_score_threshold:=abc"], "lost_score_threshold"),
        (NODE, ["-p", "checkpoint:=CHECKPOINT", "-p", "queue_depth:=0"], "queue_depth"),
        (SOURCE, ["-p", "source:=/nonexistent/clip.mp4"], "input not found: /nonexistent/clip.mp4"),
        (SOURCE, [], "parameter 'source' is not set"),
    ],
)
def test_bad_start_up_exits_non_zero_with_a_clear_error(ros, checkpoint_path, tmp_path, module, args, words):
    args = [arg.replace("CHECKPOINT", str(checkpoint_path)) for arg in args]
    log = tmp_path / "node.log"
    process = ros.run_module(module, args, ros.next_domain_id(), log)
    try:
        returncode = process.wait(timeout=120)
    finally:
        ros.stop(process)
    output = log.read_text()
    assert returncode != 0 and words in output, output
    assert "Traceback" not in output, output


@pytest.mark.parametrize(
    "params, words",
    [
        ({"checkpoint": "/nonexistent/smat.pth.tar"}, "checkpoint not found: /nonexistent/smat.pth.tar"),
        ({"image_qos": "fastest"}, "must be one of sensor_data, reliable"),
    ],
)
def test_bad_configuration_leaves_the_node_unconfigured_and_running(ros, checkpoint_path, tmp_path, params, words):
    process, driver = ros.launch_node({"checkpoint": str(checkpoint_path), **params}, tmp_path, active=False)
    log = tmp_path / "node.log"
    try:
        assert driver.spin_until(lambda: "configure failed" in log.read_text(), 120.0), log.read_text()
        assert driver.lifecycle_state() == "unconfigured" and process.poll() is None
    finally:
        driver.close()
        ros.stop(process)
    output = log.read_text()
    assert [line for line in output.splitlines() if "configure failed" in line and words in line], output
    assert "Traceback" not in output, output


def test_without_a_checkpoint_the_node_tracks_with_the_demo_weights(ros, frames, tmp_path):
    """No checkpoint parameter: the node says it uses the bundled demo weights, and tracks."""
    process, driver = ros.launch_node({}, tmp_path)
    try:
        driver.step(frames[0], ros.stamp_of(0))
        assert driver.set_target(ros.stamp_of(0), ros.init_box).success
        detections = driver.step(frames[1], ros.stamp_of(1))
        assert len(detections.detections) == 1
    finally:
        driver.close()
        ros.stop(process)
    log = (tmp_path / "node.log").read_text()
    assert "using the demo weights" in log and "smat_demo.safetensors" in log, log
