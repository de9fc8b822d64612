"""smat_ros: the SMAT single-object tracker as a Python library and a ROS 2 package."""
__path__ = __import__("pkgutil").extend_path(__path__, __name__)  # generated msg/srv live in the installed tree

from smat_ros.tracker import Tracker, TrackResult  # noqa: E402

__version__ = "0.1.0"
__all__ = ["Tracker", "TrackResult", "__version__"]
