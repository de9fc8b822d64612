"""Follow-me messages from library results: FollowTarget, the target ray, and camera info matched to frames by stamp.

No node state here: the node hands in a :class:`~smat_ros.follow.target.TargetEstimate` and gets messages back.
"""
from __future__ import annotations

import collections

from geometry_msgs.msg import Vector3, Vector3Stamped
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from smat_ros.follow.geometry import CameraModel, CameraModelError
from smat_ros.follow.target import TargetEstimate
from smat_ros.msg import FollowTarget


def camera_model(info: CameraInfo, image_width: int, image_height: int) -> CameraModel:
    """The camera model of ``info`` for images of the given size; CameraModelError when it cannot give bearings."""
    if info.width and info.height and (info.width, info.height) != (image_width, image_height):
        raise CameraModelError(f"camera_info is for {info.width}x{info.height} images but the image is "
                               f"{image_width}x{image_height}")
    return CameraModel.from_values(image_width, image_height, list(info.k), list(info.d), info.distortion_model)


def follow_target(header: Header, estimate: TargetEstimate, track_id: str, publish_time_s: float) -> FollowTarget:
    """The FollowTarget of a frame (``header`` = the image's) published at ``publish_time_s`` (node clock)."""
    predicted_x, predicted_y = estimate.predicted_center(publish_time_s)
    return FollowTarget(
        header=header, state=int(estimate.state), track_id=track_id, score=float(estimate.score),
        visible=estimate.visible, seconds_since_seen=float(estimate.seconds_since_seen),
        image_width=estimate.image_width, image_height=estimate.image_height,
        center_x_norm=estimate.center_x_norm, center_y_norm=estimate.center_y_norm,
        width_norm=estimate.width_norm, height_norm=estimate.height_norm,
        has_bearing=estimate.has_bearing, azimuth=estimate.azimuth, elevation=estimate.elevation,
        angular_width=estimate.angular_width, angular_height=estimate.angular_height,
        velocity_x_norm=estimate.velocity_x_norm, velocity_y_norm=estimate.velocity_y_norm,
        age_s=publish_time_s - estimate.stamp_s,
        predicted_center_x_norm=predicted_x, predicted_center_y_norm=predicted_y,
    )


def target_ray(header: Header, estimate: TargetEstimate) -> Vector3Stamped | None:
    """The unit ray to the target in the image's optical frame, while it is visible and has a bearing."""
    if not (estimate.visible and estimate.has_bearing and estimate.ray is not None):
        return None
    x, y, z = estimate.ray
    return Vector3Stamped(header=header, vector=Vector3(x=x, y=y, z=z))


class CameraInfoMatcher:
    """Recent CameraInfo messages by stamp: a frame gets the one with its stamp, else the newest one before it."""

    def __init__(self, keep: int = 30) -> None:
        self._infos: collections.OrderedDict[int, CameraInfo] = collections.OrderedDict()
        self._keep = keep

    def __bool__(self) -> bool:
        """Whether any camera info arrived."""
        return bool(self._infos)

    def add(self, stamp_ns: int, info: CameraInfo) -> None:
        """Remember ``info`` (stamped ``stamp_ns``), dropping the oldest beyond ``keep``."""
        self._infos[stamp_ns] = info
        self._infos.move_to_end(stamp_ns)
        while len(self._infos) > self._keep:
            self._infos.popitem(last=False)

    def clear(self) -> None:
        """Forget every camera info (the image clock went back)."""
        self._infos.clear()

    def match(self, stamp_ns: int) -> CameraInfo | None:
        """The info stamped ``stamp_ns``, else the newest one stamped before it, else the newest one (or None)."""
        if stamp_ns in self._infos:
            return self._infos[stamp_ns]
        before = [s for s in self._infos if s <= stamp_ns]
        if before:
            return self._infos[max(before)]
        return next(reversed(self._infos.values()), None)
