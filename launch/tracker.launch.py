"""Start the smat_tracker node: ``ros2 launch smat_ros tracker.launch.py checkpoint:=/path/to/weights``.

Arguments: params_file (default: the installed config/tracker.yaml), namespace, image (topic remapped to the
node's ``image`` input), checkpoint (overrides the params file when given), autostart (true/false: configure and
activate at start, overrides the params file when given; false waits for a lifecycle manager), dds_profile (Fast
DDS profile that lets large images through; '' keeps the environment's).
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode

from launch import LaunchDescription


def _tracker_node(context):
    """The node as a LifecycleNode action (launch's lifecycle events reach it), with the checkpoint and autostart
    overrides and the DDS profile only where they were given."""
    checkpoint = LaunchConfiguration("checkpoint").perform(context)
    autostart = LaunchConfiguration("autostart").perform(context).strip().lower()
    image = LaunchConfiguration("image").perform(context)
    profile = LaunchConfiguration("dds_profile").perform(context)
    overrides = {"checkpoint": checkpoint} if checkpoint else {}
    if autostart:
        overrides["autostart"] = autostart == "true"
    environment = {"FASTRTPS_DEFAULT_PROFILES_FILE": profile} if profile else {}
    return [
        LifecycleNode(
            package="smat_ros",
            executable="tracker_node",
            name="smat_tracker",
            namespace=LaunchConfiguration("namespace").perform(context),
            parameters=[LaunchConfiguration("params_file").perform(context), overrides],
            remappings=[("image", image), ("image/compressed", image + "/compressed")],
            additional_env=environment,
            output="screen",
        )
    ]


def generate_launch_description():
    """Launch arguments and the tracker node."""
    share = get_package_share_directory("smat_ros")
    return LaunchDescription([
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "config", "tracker.yaml"),
                              description="YAML file with the node's parameters (/**: ros__parameters: form)"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of the node"),
        DeclareLaunchArgument("image", default_value="image", description="camera image topic to track on"),
        DeclareLaunchArgument("checkpoint", default_value="",
                              description="SMAT weights file (overrides the params file when not empty)"),
        DeclareLaunchArgument("autostart", default_value="", choices=["", "true", "false", "True", "False"],
                              description="true/false: configure and activate the node at start (false: wait for "
                                          "a lifecycle manager); empty keeps the params file's value"),
        DeclareLaunchArgument("dds_profile",
                              default_value=os.path.join(share, "config", "fastdds_large_data.xml"),
                              description="Fast DDS profile for large images ('' to keep the environment's)"),
        OpaqueFunction(function=_tracker_node),
    ])
