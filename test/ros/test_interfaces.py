"""The generated interfaces: vision_msgs field for field as in ROS 2 jazzy, and smat_ros's own msg/srv."""
from __future__ import annotations

import subprocess
import sys

import pytest
import vision_msgs.msg

from smat_ros.msg import TrackStatus
from smat_ros.srv import SetTarget

# vision_msgs 4.1.1 (the jazzy release, github:ros-perception/vision_msgs branch ros2), as rosidl reports them.
JAZZY_VISION_MSGS = {
    "Point2D": {"x": "double", "y": "double"},
    "Pose2D": {"position": "vision_msgs/Point2D", "theta": "double"},
    "BoundingBox2D": {"center": "vision_msgs/Pose2D", "size_x": "double", "size_y": "double"},
    "BoundingBox2DArray": {"header": "std_msgs/Header", "boxes": "sequence<vision_msgs/BoundingBox2D>"},
    "BoundingBox3D": {"center": "geometry_msgs/Pose", "size": "geometry_msgs/Vector3"},
    "BoundingBox3DArray": {"header": "std_msgs/Header", "boxes": "sequence<vision_msgs/BoundingBox3D>"},
    "ObjectHypothesis": {"class_id": "string", "score": "double"},
    "ObjectHypothesisWithPose": {"hypothesis": "vision_msgs/ObjectHypothesis",
                                 "pose": "geometry_msgs/PoseWithCovariance"},
    "Classification": {"header": "std_msgs/Header", "results": "sequence<vision_msgs/ObjectHypothesis>"},
    "Detection2D": {"header": "std_msgs/Header", "results": "sequence<vision_msgs/ObjectHypothesisWithPose>",
                    "bbox": "vision_msgs/BoundingBox2D", "id": "string"},
    "Detection2DArray": {"header": "std_msgs/Header", "detections": "sequence<vision_msgs/Detection2D>"},
    "Detection3D": {"header": "std_msgs/Header", "results": "sequence<vision_msgs/ObjectHypothesisWithPose>",
                    "bbox": "vision_msgs/BoundingBox3D", "id": "string"},
    "Detection3DArray": {"header": "std_msgs/Header", "detections": "sequence<vision_msgs/Detection3D>"},
    "VisionClass": {"class_id": "uint16", "class_name": "string"},
    "LabelInfo": {"header": "std_msgs/Header", "class_map": "sequence<vision_msgs/VisionClass>",
                  "threshold": "float"},
    "VisionInfo": {"header": "std_msgs/Header", "method": "string", "database_location": "string",
                   "database_version": "int32"},
}


@pytest.mark.parametrize("name", sorted(JAZZY_VISION_MSGS))
def test_vision_msgs_match_jazzy_field_for_field(name):
    assert getattr(vision_msgs.msg, name).get_fields_and_field_types() == JAZZY_VISION_MSGS[name]


def test_track_status_has_the_states_and_counters():
    assert (TrackStatus.IDLE, TrackStatus.TRACKING, TrackStatus.LOST) == (0, 1, 2)
    fields = TrackStatus.get_fields_and_field_types()
    for name in ("frames_received", "frames_processed", "frames_dropped", "frames_rejected"):
        assert fields[name] == "uint64"
    assert {fields[n] for n in ("score", "processing_ms")} == {"float"} and fields["last_error"] == "string"
    assert fields["header"] == "std_msgs/Header" and fields["state"] == "uint8" and fields["track_id"] == "string"


def test_set_target_request_and_response():
    assert SetTarget.Request.get_fields_and_field_types() == {"header": "std_msgs/Header",
                                                             "bbox": "vision_msgs/BoundingBox2D"}
    assert SetTarget.Response.get_fields_and_field_types() == {"success": "boolean", "message": "string",
                                                              "track_id": "string"}


def test_the_installed_package_imports_outside_the_repository(tmp_path):
    code = "import smat_ros.msg, smat_ros.srv, smat_ros.ros.node, smat_ros.ros.video_source, vision_msgs.msg"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
