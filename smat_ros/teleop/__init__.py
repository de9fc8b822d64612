"""The web side of the teleop UI, free of ROS: the page, its WebSocket protocol, JPEG frames, access control.

An operator sees the live video in a browser, drags a box on it and the tracker starts on exactly the frame that
was on screen (each frame carries its header stamp). The ROS node that feeds it is :mod:`smat_ros.ros.teleop_ui`.
"""
