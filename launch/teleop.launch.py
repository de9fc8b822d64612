"""The tracker and the browser teleop UI: ``ros2 launch smat_ros teleop.launch.py image:=/camera/image_raw``.

Includes tracker.launch.py (all its arguments apply: params_file, namespace, image, checkpoint, dds_profile) unless
tracker:=false, and starts teleop_ui on the same image topic, pointed at that tracker. UI arguments:
teleop_params_file (default: the installed config/teleop.yaml), host, port, token and video (camera or debug), each
overriding the params file when given. Open the URL the UI prints (http://127.0.0.1:8080/ by default).
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction
from launch.conditions import IfCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription

UI_OVERRIDES = {"host": str, "port": int, "token": str, "video": str}


def _teleop_node(context):
    """The UI node on the tracker's image topic, pointed at the tracker, with the overrides that were given."""
    namespace = LaunchConfiguration("namespace", default="").perform(context).strip("/")
    image = LaunchConfiguration("image", default="image").perform(context)
    overrides = {"tracker": f"/{namespace}/smat_tracker" if namespace else "/smat_tracker"}
    for name, kind in UI_OVERRIDES.items():
        value = LaunchConfiguration(name).perform(context)
        if value:
            overrides[name] = kind(value)
    return [
        Node(
            package="smat_ros",
            executable="teleop_ui",
            name="teleop_ui",
            namespace=namespace,
            parameters=[LaunchConfiguration("teleop_params_file").perform(context), overrides],
            remappings=[("image", image), ("image/compressed", image + "/compressed")],
            output="screen",
        )
    ]


def generate_launch_description():
    """Launch arguments, the tracker (included) and the UI."""
    share = get_package_share_directory("smat_ros")
    return LaunchDescription([
        DeclareLaunchArgument("tracker", default_value="true",
                              description="also start the tracker (tracker.launch.py and its arguments)"),
        DeclareLaunchArgument("teleop_params_file", default_value=os.path.join(share, "config", "teleop.yaml"),
                              description="YAML file with the UI's parameters (/**: ros__parameters: form)"),
        DeclareLaunchArgument("host", default_value="", description="address the UI listens on (overrides)"),
        DeclareLaunchArgument("port", default_value="", description="TCP port of the UI (overrides)"),
        DeclareLaunchArgument("token", default_value="", description="access token of the UI (overrides)"),
        DeclareLaunchArgument("video", default_value="", description="camera or debug (overrides)"),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(os.path.join(share, "launch", "tracker.launch.py")),
                                 condition=IfCondition(LaunchConfiguration("tracker"))),
        OpaqueFunction(function=_teleop_node),
    ])
