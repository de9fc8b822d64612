"""smat_ros: the SMAT single-object tracker as a Python library and a ROS 2 package."""
import os

__path__ = __import__("pkgutil").extend_path(__path__, __name__)  # generated msg/srv live in the installed tree

# torch's OpenMP threads spin at barriers by default, which starves everything else on a shared robot CPU (measured
# here under load: 3.3 s instead of 65 ms per step). Set before torch is imported; a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from smat_ros.tracker import Tracker, TrackResult  # noqa: E402

__version__ = "0.1.0"
__all__ = ["Tracker", "TrackResult", "__version__"]
