"""Crop geometry against hand-computed cases."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from smat_ros.crop import (
    MIN_BOX_SIDE_PX,
    box_at,
    clip_box,
    crop_side,
    hann_window,
    map_box_back,
    sample_target,
    shift_box,
    validate_box,
)
from smat_ros.errors import InputError


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


def test_boxes_beyond_the_size_limits_are_refused_with_the_reason() -> None:
    shape = (480, 640, 3)
    assert validate_box((10, 10, MIN_BOX_SIDE_PX, 5), shape) == (10.0, 10.0, MIN_BOX_SIDE_PX, 5.0)
    assert validate_box((-600, -400, 2 * 640, 2 * 480), shape)[2:] == (1280.0, 960.0)
    for box, words in [((10, 10, 1.0, 5), "too small"), ((10, 10, 5, 0.5), "too small"),
                       ((0, 0, 1e6, 1e6), "too large"), ((0, 0, 1e308, 1e308), "too large"),
                       ((0, 0, 1281, 20), "too large"), ((0, 0, 20, 961), "too large"),
                       ((-1e308, 0, 1e308, 20), "too large"), ((0, 0, 0, 5), "> 0"),
                       ((0, 0, float("inf"), 5), "infinite"), ((10**400, 0, 5, 5), "4 numbers")]:
        with pytest.raises(InputError, match=words):
            validate_box(box, shape)


def test_a_crop_larger_than_the_bound_is_resampled_without_a_padded_copy() -> None:
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8), (9, 9), 3)
    box = (50.0, 30.0, 40.0, 36.0)  # crop side 152, partly outside the frame
    exact, exact_factor = sample_target(image, box, 4.0, 64)
    resampled, factor = sample_target(image, box, 4.0, 64, max_crop_bytes=1000)
    assert factor == exact_factor and resampled.shape == exact.shape and resampled.dtype == np.uint8
    inner = (slice(4, -4), slice(4, -4))  # away from the frame's edge, where the reference drops its last column
    assert np.abs(resampled[inner].astype(int) - exact[inner].astype(int)).mean() < 2.0


def test_huge_boxes_crop_without_allocating_the_padded_square() -> None:
    image = np.full((48, 64, 3), 255, dtype=np.uint8)
    crop, factor = sample_target(image, (-1e9, -1e9, 2e9, 2e9), 4.0, 32)  # a padded square would be 1e20 bytes
    assert crop.shape == (32, 32, 3) and factor == 32 / 8e9
    for box in [(0, 0, 1e308, 1e308), (0, 0, float("nan"), 5), (0, 0, -3, 4)]:
        with pytest.raises(InputError):
            sample_target(image, box, 4.0, 32)


def test_a_box_placed_off_the_frame_keeps_its_size_with_its_centre_on_the_frame() -> None:
    shape = (576, 768, 3)
    assert box_at((-500.0, 1000.0), (40.0, 90.0), shape) == (-20.0, 575.0 - 45.0, 40.0, 90.0)
    assert box_at((100.0, 200.0), (40.0, 90.0), shape) == (80.0, 155.0, 40.0, 90.0)


def test_shift_box_moves_it_and_keeps_its_centre_on_the_frame() -> None:
    shape = (240, 320, 3)
    assert shift_box((100.0, 50.0, 20.0, 40.0), -30.0, 12.0, shape) == (70.0, 62.0, 20.0, 40.0)
    assert shift_box((300.0, 50.0, 20.0, 40.0), 100.0, 0.0, shape) == (309.0, 50.0, 20.0, 40.0)
