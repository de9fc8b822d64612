"""The tracker node's follow-me outputs: ``~/target`` (FollowTarget) and ``~/target_ray`` of each published frame,
from the library's target estimate with the camera model of the camera_info matched to the frame by stamp."""
from __future__ import annotations

from geometry_msgs.msg import Vector3Stamped
from rclpy.lifecycle import LifecycleNode, LifecyclePublisher
from rclpy.qos import QoSProfile
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from smat_ros import TrackResult
from smat_ros.crop import Box
from smat_ros.follow.geometry import CameraModel, CameraModelError
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.follow.target import TargetEstimate, TargetEstimator
from smat_ros.msg import FollowTarget
from smat_ros.ros.follow_outputs import CameraInfoMatcher, camera_model, follow_target, target_ray
from smat_ros.ros.frame_buffer import StampedFrame


class FollowPublisher:
    """The estimator, the camera infos and the two publishers; not thread-safe: the node guards it with its lock
    (:meth:`publish` excepted)."""

    def __init__(self, node: LifecycleNode) -> None:
        self._node = node
        self._estimator = TargetEstimator()
        self._camera_infos = CameraInfoMatcher()
        self._camera: tuple[CameraInfo, int, int, CameraModel | None] | None = None  # last info -> model
        self._bearing_note = ""  # why has_bearing is false, said once per reason
        self._target_pub: LifecyclePublisher | None = None
        self._ray_pub: LifecyclePublisher | None = None

    def create_publishers(self, qos: QoSProfile) -> list[LifecyclePublisher]:
        """Create ~/target and ~/target_ray (at configure); the node destroys them at cleanup."""
        self._target_pub = self._node.create_lifecycle_publisher(FollowTarget, "~/target", qos)
        self._ray_pub = self._node.create_lifecycle_publisher(Vector3Stamped, "~/target_ray", qos)
        return [self._target_pub, self._ray_pub]

    def add_camera_info(self, stamp_ns: int, info: CameraInfo) -> None:
        """Keep ``info`` for the frames stamped ``stamp_ns`` and after."""
        self._camera_infos.add(stamp_ns, info)

    def reset(self) -> None:
        """Forget the target's motion (the target was dropped)."""
        self._estimator.reset()

    def start(self, frame: StampedFrame, box: Box) -> TargetEstimate:
        """The estimate of a new target drawn as ``box`` on ``frame``."""
        self._estimator.reset()
        return self._estimator.update(box, 1.0, TrackState.TRACKING, TrackEvent.STARTED, 0.0, frame.stamp_ns * 1e-9,
                                      frame.frame.shape[1], frame.frame.shape[0], self._camera_for(frame))

    def update(self, frame: StampedFrame, result: TrackResult | None, score: float, state: int,
               seconds_since_seen: float) -> TargetEstimate:
        """The estimate of a processed frame; without a result (no target, or tracking failed): the node's state."""
        stamp_s = frame.stamp_ns * 1e-9
        height, width = frame.frame.shape[:2]
        if result is None:
            return self._estimator.update((0.0, 0.0, 0.0, 0.0), score, TrackState(state), TrackEvent.NONE,
                                          seconds_since_seen, stamp_s, width, height)
        return self._estimator.update(result.box, result.score, result.state, result.event, result.seconds_since_seen,
                                      stamp_s, width, height, self._camera_for(frame))

    def messages(self, header: Header, estimate: TargetEstimate,
                 track_id: str) -> tuple[FollowTarget, Vector3Stamped | None]:
        """FollowTarget and target ray of an estimate, stamped with the image's header."""
        now_s = self._node.get_clock().now().nanoseconds * 1e-9
        return follow_target(header, estimate, track_id, now_s), target_ray(header, estimate)

    def publish(self, target: FollowTarget, ray: Vector3Stamped | None) -> None:
        """Publish ~/target and, while visible with a bearing, ~/target_ray."""
        assert self._target_pub is not None and self._ray_pub is not None, "publish before create_publishers"
        self._target_pub.publish(target)
        if ray is not None:
            self._ray_pub.publish(ray)

    def _camera_for(self, frame: StampedFrame) -> CameraModel | None:
        """The camera model of the camera info matched to ``frame`` by stamp; None (said once why) without one."""
        height, width = frame.frame.shape[:2]
        info = self._camera_infos.match(frame.stamp_ns)
        if info is None:
            self._note_bearing(f"no camera_info received on {self._node.resolve_topic_name('camera_info')}: "
                               "FollowTarget.has_bearing is false and ~/target_ray is not published")
            return None
        if self._camera is None or self._camera[0] is not info or self._camera[1:3] != (width, height):
            try:
                model = camera_model(info, width, height)
            except CameraModelError as exc:
                model = None
                self._note_bearing(f"camera_info unusable ({exc}): FollowTarget.has_bearing is false")
            self._camera = (info, width, height, model)
        return self._camera[3]

    def _note_bearing(self, reason: str) -> None:
        """Say once (per reason) why there is no bearing."""
        if reason != self._bearing_note:
            self._bearing_note = reason
            self._node.get_logger().warning(reason)
