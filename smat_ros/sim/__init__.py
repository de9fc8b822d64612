"""A simulated pan (and tilt) camera looking into a wide scene with walking people: ROS-free scene, projection,
motion integration and the follow-me measurements; the ``sim_camera`` node publishes it over ROS."""
