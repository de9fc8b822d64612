"""Property-based fuzzing of the crop geometry (hypothesis): any input gives a documented result or InputError."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smat_ros.crop import MAX_BOX_IMAGE_RATIO, MIN_BOX_SIDE_PX, clip_box, map_box_back, sample_target, validate_box
from smat_ros.errors import InputError

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
COORD = st.one_of(st.floats(-1e4, 1e4), st.sampled_from([0.0, 1e308, -1e308, math.nan, math.inf, 1e-300, 2.0]))
SIDES = st.integers(1, 5000)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(box=st.tuples(ANY_FLOAT, ANY_FLOAT, ANY_FLOAT, ANY_FLOAT), height=SIDES, width=SIDES)
def test_validate_box_accepts_only_boxes_within_the_documented_limits(box, height, width):
    try:
        x, y, w, h = validate_box(box, (height, width, 3))
    except InputError:
        return
    assert all(math.isfinite(v) for v in (x, y, w, h))
    assert MIN_BOX_SIDE_PX <= w <= MAX_BOX_IMAGE_RATIO * width and MIN_BOX_SIDE_PX <= h <= MAX_BOX_IMAGE_RATIO * height
    assert x < width and y < height and x + w > 0 and y + h > 0


@SETTINGS
@given(box=st.tuples(COORD, COORD, COORD, COORD),
       shape=st.tuples(st.integers(1, 64), st.integers(1, 64)),
       factor=st.sampled_from([2.0, 4.0, 5.5]), size=st.sampled_from([8, 16, 33]),
       max_crop_bytes=st.sampled_from([3, 3000, 64 * 1024 * 1024]))
def test_sample_target_gives_the_output_size_or_input_error(box, shape, factor, size, max_crop_bytes):
    image = np.full((*shape, 3), 200, np.uint8)
    try:
        crop, scale = sample_target(image, box, factor, size, max_crop_bytes=max_crop_bytes)
    except InputError:
        return
    assert crop.shape == (size, size, 3) and crop.dtype == np.uint8
    assert scale > 0


@SETTINGS
@given(box=st.tuples(COORD, COORD, COORD, COORD), shape=st.tuples(st.integers(1, 200), st.integers(1, 200)))
def test_every_valid_box_crops(box, shape):
    image = np.zeros((*shape, 3), np.uint8)
    try:
        target = validate_box(box, image.shape)
    except InputError:
        return
    for factor, size in ((2.0, 16), (4.0, 32)):
        crop, _ = sample_target(image, target, factor, size)
        assert crop.shape == (size, size, 3)


@SETTINGS
@given(box=st.tuples(*[st.floats(-1e6, 1e6)] * 4), height=st.integers(20, 4000), width=st.integers(20, 4000),
       margin=st.integers(0, 10))
def test_clip_box_stays_inside_the_frame(box, height, width, margin):
    x, y, w, h = clip_box(box, height, width, margin)
    assert 0 <= x <= width - margin and 0 <= y <= height - margin
    assert w >= margin and h >= margin
    assert x + w <= width + 1e-6 * width and y + h <= height + 1e-6 * height


@SETTINGS
@given(in_crop=st.tuples(*[st.floats(-1e4, 1e4)] * 4), previous=st.tuples(*[st.floats(-1e4, 1e4)] * 4),
       size=st.integers(1, 512), factor=st.floats(1e-3, 1e3))
def test_map_box_back_keeps_size_and_is_finite(in_crop, previous, size, factor):
    x, y, w, h = map_box_back(in_crop, previous, size, factor)
    assert all(math.isfinite(v) for v in (x, y, w, h)) and (w, h) == in_crop[2:]
