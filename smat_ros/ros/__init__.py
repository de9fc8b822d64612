"""The ROS 2 side of smat_ros: message conversions, the smat_tracker node and the video_source node.

The only part of the package that imports rclpy or message types.
"""
