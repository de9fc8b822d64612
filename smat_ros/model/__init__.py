"""The SMAT network and its parts."""
from smat_ros.model.head import decode_boxes
from smat_ros.model.smat import SMAT

__all__ = ["SMAT", "decode_boxes"]
