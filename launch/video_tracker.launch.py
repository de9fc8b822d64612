"""A camera + tracker pipeline from a video: ``ros2 launch smat_ros video_tracker.launch.py source:=clip.mp4``.

Starts video_source on a video file or an image folder (the camera) and includes tracker.launch.py on the same image
topic (all its arguments apply: params_file, namespace, image, checkpoint, autostart, dds_profile). Video arguments:
source (required), rate_hz (0: the source's rate), loop, sync (true: one frame per processed frame, the source waits
for the tracker's detections of each frame, as when replaying a recording).
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription


def _video_source(context):
    """video_source on the tracker's image topic, synchronised with its detections when sync is true."""
    namespace = LaunchConfiguration("namespace", default="").perform(context).strip("/")
    image = LaunchConfiguration("image", default="image").perform(context)
    parameters = {
        "source": LaunchConfiguration("source").perform(context),
        "rate_hz": float(LaunchConfiguration("rate_hz").perform(context)),
        "loop": LaunchConfiguration("loop").perform(context).lower() == "true",
    }
    if LaunchConfiguration("sync").perform(context).lower() == "true":
        parameters["sync_topic"] = f"/{namespace}/smat_tracker/detections" if namespace else "/smat_tracker/detections"
    share = get_package_share_directory("smat_ros")
    profile = LaunchConfiguration("dds_profile", default=os.path.join(share, "config", "fastdds_large_data.xml")
                                  ).perform(context)
    return [
        Node(
            package="smat_ros",
            executable="video_source",
            name="video_source",
            namespace=namespace,
            parameters=[parameters],
            remappings=[("image", image), ("image/compressed", image + "/compressed"),
                        ("camera_info", os.path.join(os.path.dirname(image), "camera_info"))],
            additional_env={"FASTRTPS_DEFAULT_PROFILES_FILE": profile} if profile else {},
            output="screen",
        )
    ]


def generate_launch_description():
    """Launch arguments, the video source and the tracker (included)."""
    share = get_package_share_directory("smat_ros")
    return LaunchDescription([
        DeclareLaunchArgument("source", description="video file or folder of images played as the camera"),
        DeclareLaunchArgument("rate_hz", default_value="0.0", description="frames per second (0: the source's rate)"),
        DeclareLaunchArgument("loop", default_value="false", choices=["true", "false"],
                              description="play the source again and again"),
        DeclareLaunchArgument("sync", default_value="false", choices=["true", "false"],
                              description="one frame per processed frame: wait for the tracker's detections"),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(os.path.join(share, "launch", "tracker.launch.py"))),
        OpaqueFunction(function=_video_source),
    ])
