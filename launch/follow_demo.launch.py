"""The closed follow-me loop on a simulated camera: ``ros2 launch smat_ros follow_demo.launch.py``.

sim_camera (a pan camera looking into a scene where a person walks out of the initial view) -> smat_tracker ->
follow_controller -> cmd_vel -> sim_camera turns. All three run on the simulation's clock (use_sim_time); the
scene steps in lockstep with the loop (``lockstep:=false``: in real time, the tracker's latency counts). Set a
target on the person (``teleop_ui``, or ``~/set_target`` with the box from ``/sim_camera/truth``) and the camera
follows; ``scripts/follow_demo.sh`` does this and measures it.

Arguments: scenario (SceneConfig YAML, '' = the default scenario), fixed (true: the camera ignores commands),
lockstep (false: frames in real time, the newest cmd_vel applies),
autostart (false: the scene waits on its first frame for ``/sim_camera/start``), time_scale (pace as a multiple of
real time, 0 = as fast as the loop goes), checkpoint (tracker weights, '' = the bundled demo weights),
tracker_params (default: the installed config/tracker.yaml), controller_params (default: the installed
config/follow_controller.yaml), dds_profile (Fast DDS profile that lets full frames through).
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription


def _flag(context, name: str) -> bool:
    """A true/false launch argument (ValueError otherwise)."""
    value = LaunchConfiguration(name).perform(context).strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"launch argument {name} must be true or false, got {value!r}")
    return value == "true"


def _nodes(context):
    """sim_camera, smat_tracker and follow_controller wired into one loop."""
    profile = LaunchConfiguration("dds_profile").perform(context)
    environment = {"FASTRTPS_DEFAULT_PROFILES_FILE": profile} if profile else {}
    checkpoint = LaunchConfiguration("checkpoint").perform(context)
    time_scale = float(LaunchConfiguration("time_scale").perform(context))
    sim = Node(
        package="smat_ros", executable="sim_camera", name="sim_camera",
        parameters=[{"scenario": LaunchConfiguration("scenario").perform(context), "fixed": _flag(context, "fixed"),
                     "autostart": _flag(context, "autostart"), "time_scale": time_scale,
                     "lockstep": _flag(context, "lockstep"),
                     "command_topic": "/follow_controller/command"}],
        additional_env=environment, output="screen")
    tracker = Node(
        package="smat_ros", executable="tracker_node", name="smat_tracker",
        parameters=[LaunchConfiguration("tracker_params").perform(context),
                    {"use_sim_time": True, "image_qos": "reliable",
                     **({"checkpoint": checkpoint} if checkpoint else {})}],
        remappings=[("image", "/image"), ("camera_info", "/camera_info")],
        additional_env=environment, output="screen")
    controller = Node(
        package="smat_ros", executable="follow_controller", name="follow_controller",
        parameters=[LaunchConfiguration("controller_params").perform(context), {"use_sim_time": True}],
        remappings=[("target", "/smat_tracker/target"), ("cmd_vel", "/cmd_vel")],
        additional_env=environment, output="screen")
    return [sim, tracker, controller]


def generate_launch_description():
    """Launch arguments and the three nodes."""
    share = get_package_share_directory("smat_ros")
    return LaunchDescription([
        DeclareLaunchArgument("scenario", default_value="", description="scene YAML (SceneConfig keys); '' = default"),
        DeclareLaunchArgument("fixed", default_value="false", description="true: the camera ignores all commands"),
        DeclareLaunchArgument("autostart", default_value="true",
                              description="false: the scene waits on its first frame for /sim_camera/start"),
        DeclareLaunchArgument("lockstep", default_value="true",
                              description="true: each frame waits for the controller's answer (the same run on any "
                                          "machine); false: frames in real time, the newest cmd_vel applies"),
        DeclareLaunchArgument("time_scale", default_value="1.0",
                              description="pace as a multiple of real time (0: as fast as the loop goes)"),
        DeclareLaunchArgument("checkpoint", default_value="", description="tracker weights ('': the demo weights)"),
        DeclareLaunchArgument("tracker_params", default_value=os.path.join(share, "config", "tracker.yaml"),
                              description="the tracker's parameters file"),
        DeclareLaunchArgument("controller_params",
                              default_value=os.path.join(share, "config", "follow_controller.yaml"),
                              description="the controller's parameters file"),
        DeclareLaunchArgument("dds_profile", default_value=os.path.join(share, "config", "fastdds_large_data.xml"),
                              description="Fast DDS profile for large images ('' to keep the environment's)"),
        OpaqueFunction(function=_nodes),
    ])
