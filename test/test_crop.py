"""Crop geometry against hand-computed cases."""
from __future__ import annotations

import numpy as np

from smat_ros.crop import clip_box, crop_side, hann_window, map_box_back, sample_target


def test_crop_inside_the_image_is_a_resized_window() -> None:
    image = np.arange(100 * 100 * 3, dtype=np.uint8).reshape(100, 100, 3)
    crop, factor = sample_target(image, (40, 40, 10, 10), 2.0, 20)
    assert crop.shape == (20, 20, 3) and factor == 1.0
    np.testing.assert_array_equal(crop, image[35:55, 35:55])


def test_crop_over_the_border_is_zero_padded() -> None:
    image = np.full((50, 50, 3), 200, dtype=np.uint8)
    crop, factor = sample_target(image, (0, 0, 10, 10), 4.0, 40)
    assert factor == 1.0
    assert (crop[:15, :15] == 0).all()
    assert (crop[20:35, 20:35] == 200).all()


def test_crop_side_and_hann_window() -> None:
    assert crop_side((0, 0, 46, 81), 4.0) == 245  # ceil(sqrt(46 * 81) * 4) = ceil(244.16)
    window = hann_window(16)
    assert window.shape == (1, 1, 16, 16)
    assert np.isclose(float(window.max()), float(window[0, 0, 7, 7]))
    assert float(window.min()) > 0


def test_map_back_and_clip() -> None:
    # a box centred in the crop maps back onto the previous centre
    assert map_box_back((128.0, 128.0, 20.0, 10.0), (90, 40, 20, 20), 256, 1.0) == (90.0, 45.0, 20.0, 10.0)
    assert clip_box((-5, -5, 20, 20), 100, 100, margin=10) == (0, 0, 15, 15)
    assert clip_box((95, 95, 20, 20), 100, 100, margin=10) == (90, 90, 10, 10)
