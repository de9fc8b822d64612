"""Property-based fuzzing of the message conversions (hypothesis): every encoding, step, size, byte order and data
length gives an HxWx3 uint8 frame or an InputError, never another exception."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from smat_ros.errors import InputError
from smat_ros.ros.conversions import (
    ENCODINGS,
    bbox_to_box,
    box_to_bbox,
    compressed_to_rgb,
    image_to_rgb,
    rgb_to_compressed,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODING = st.one_of(st.sampled_from(sorted(ENCODINGS)), st.sampled_from(["yuv422", "32FC1", "", "bayer_rggb8"]),
                     st.text(max_size=12))


@st.composite
def images(draw) -> tuple[Image, bool]:
    """An Image message with arbitrary fields; whether its step and data are consistent for its encoding."""
    encoding = draw(ENCODING)
    height, width = draw(st.integers(0, 24)), draw(st.integers(0, 24))
    layout = ENCODINGS.get(encoding)
    row_bytes = width * (layout.channels * layout.bytes_per_channel if layout else 3)
    step = draw(st.one_of(st.just(row_bytes), st.integers(0, row_bytes + 9), st.integers(0, 2**32 - 1)))
    length = draw(st.one_of(st.just(height * step), st.integers(0, 2 * height * max(step, 1) + 5)))
    length = min(length, 40_000)
    data = draw(st.binary(min_size=length, max_size=length)) if length < 64 else bytes(length)
    message = Image(header=Header(), height=height, width=width, encoding=encoding,
                    is_bigendian=draw(st.integers(0, 1)), step=step, data=data)
    valid = (layout is not None and height > 0 and width > 0 and step >= row_bytes and length >= height * step)
    return message, valid


@SETTINGS
@given(image=images())
def test_image_to_rgb_gives_a_frame_or_input_error(image):
    message, valid = image
    try:
        frame = image_to_rgb(message)
    except InputError:
        assert not valid
        return
    assert valid
    assert frame.shape == (message.height, message.width, 3) and frame.dtype == np.uint8


@SETTINGS
@given(fmt=st.one_of(st.sampled_from(["jpeg", "png", "jpg", "JPEG", "rgb8; jpeg compressed bgr8", "bmp"]),
                     st.text(max_size=10)),
       data=st.one_of(st.binary(max_size=300), st.sampled_from([b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n"])))
def test_compressed_to_rgb_never_raises_anything_but_input_error(fmt, data):
    try:
        frame = compressed_to_rgb(CompressedImage(format=fmt, data=data))
    except InputError:
        return
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(0, 2000), flip=st.integers(0, 2000), fmt=st.sampled_from(["jpeg", "png"]))
def test_truncated_or_corrupted_compressed_images_decode_or_fail_cleanly(cut, flip, fmt):
    frame = np.random.default_rng(cut).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    data = bytearray(rgb_to_compressed(frame, Header(), fmt).data)
    data = data[: len(data) - cut % len(data)]
    if data:
        data[flip % len(data)] ^= 0xFF
    try:
        out = compressed_to_rgb(CompressedImage(format=fmt, data=bytes(data)))
    except InputError:
        return
    assert out.ndim == 3 and out.shape[2] == 3


@SETTINGS
@given(values=st.tuples(*[st.floats(allow_nan=True, allow_infinity=True)] * 4))
def test_box_message_round_trip(values):
    x, y, w, h = values
    back = bbox_to_box(box_to_bbox(values))
    if all(math.isfinite(v) for v in values) and max(map(abs, values)) < 1e12:
        assert np.allclose(back, values, rtol=1e-9, atol=1e-3)
    else:
        assert len(back) == 4
