"""One set of readers for the on-disk layouts of tracking datasets, used by evaluation and training alike.

Each layout reader (:class:`~smat_ros.datasets.base.Layout`) gives the sequence list, the frame files, the boxes
(``x, y, w, h`` in pixels, one row per frame) and the benchmark's visibility flags with its official rule; the
module of each layout documents the files and the rule:

- :mod:`~smat_ros.datasets.got10k` (``cover > 0`` and ``absence == 0``), :mod:`~smat_ros.datasets.lasot` (not
  fully occluded and not out of view), :mod:`~smat_ros.datasets.trackingnet`, :mod:`~smat_ros.datasets.otb`,
  :mod:`~smat_ros.datasets.uav123`, :mod:`~smat_ros.datasets.nfs` (no flags), :mod:`~smat_ros.datasets.folder`
  (your own footage; optional ``absence.label``) and :mod:`~smat_ros.datasets.coco` (objects in still images).

Evaluation loads whole :class:`Sequence` objects by benchmark name (:func:`load_dataset`); training wraps the same
readers (:mod:`smat_ros.train.datasets`) and reads one sequence's boxes and flags when it is first sampled. Add a
layout as one module with a :class:`Layout` subclass, then register it in :mod:`~smat_ros.datasets.registry` (and
in ``smat_ros.train.datasets`` if training should read it).
"""
from smat_ros.datasets.base import Layout, Sequence
from smat_ros.datasets.registry import DATASETS, load_dataset
from smat_ros.errors import DatasetError

__all__ = ["DATASETS", "DatasetError", "Layout", "Sequence", "load_dataset"]
