"""ROS-free follow-me logic: track states, re-acquisition, camera geometry, motion filtering, control laws."""
