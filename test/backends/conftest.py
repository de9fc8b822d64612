"""Fixtures of the backend tests: the io.npz crops as uint8 images and the fixture network's ONNX graphs (the fixture
model is in test/conftest.py)."""
from __future__ import annotations

import numpy as np
import pytest

from smat_ros.export import OnnxGraphs, export_graphs
from smat_ros.model import SMAT


def as_uint8_crop(image: np.ndarray) -> np.ndarray:
    """io.npz network input [1, 3, H, W] (uint8 / 255) -> the uint8 crop [H, W, 3] it came from."""
    return np.round(image[0].transpose(1, 2, 0) * 255.0).astype(np.uint8)


@pytest.fixture(scope="session")
def crops(reference_io: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The template and search crops of io.npz as uint8 [H, W, 3] images."""
    return as_uint8_crop(reference_io["template_image"]), as_uint8_crop(reference_io["search_image"])


@pytest.fixture(scope="session")
def graphs(fixture_model: SMAT) -> OnnxGraphs:
    """The fixture network exported to ONNX once (the onnxruntime and openvino backend tests run it)."""
    return export_graphs(fixture_model)
