"""Start-up failures of the tracker node: a clear error line and a non-zero exit, no traceback."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "args, words",
    [
        (["-p", "checkpoint:=/nonexistent/smat.pth.tar"], "checkpoint not found: /nonexistent/smat.pth.tar"),
        ([], "parameter 'checkpoint' is not set"),
        (["-p", "checkpoint:=CHECKPOINT", "-p", "lost_score_threshold:=abc"], "lost_score_threshold"),
        (["-p", "checkpoint:=CHECKPOINT", "-p", "image_qos:=fastest"], "must be one of sensor_data, reliable"),
    ],
)
def test_bad_start_up_exits_non_zero_with_a_clear_error(ros, checkpoint_path, tmp_path, args, words):
    args = [arg.replace("CHECKPOINT", str(checkpoint_path)) for arg in args]
    log = tmp_path / "node.log"
    process = ros.run_module("smat_ros.ros.node", args, ros.next_domain_id(), log)
    try:
        returncode = process.wait(timeout=120)
    finally:
        ros.stop(process)
    output = log.read_text()
    assert returncode != 0 and words in output, output
    assert "Traceback" not in output, output


@pytest.mark.parametrize(
    "args, words",
    [
        (["-p", "source:=/nonexistent/clip.mp4"], "input not found: /nonexistent/clip.mp4"),
        ([], "parameter 'source' is not set"),
    ],
)
def test_video_source_with_a_bad_source_exits_non_zero_with_a_clear_error(ros, tmp_path, args, words):
    log = tmp_path / "video_source.log"
    process = ros.run_module("smat_ros.ros.video_source", args, ros.next_domain_id(), log)
    try:
        returncode = process.wait(timeout=120)
    finally:
        ros.stop(process)
    output = log.read_text()
    assert returncode != 0 and words in output and "Traceback" not in output, output
