"""Image <-> numpy conversions and vision_msgs builders (no DDS)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from smat_ros.errors import InputError
from smat_ros.ros.conversions import (
    bbox_to_box,
    box_to_bbox,
    compressed_to_rgb,
    detection_array,
    image_to_rgb,
    rgb_to_compressed,
    rgb_to_image,
)

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)


def make_image(pixels: np.ndarray, encoding: str, pad: int = 0, bigendian: bool = False) -> Image:
    """Image message of ``pixels`` ([H, W, C] or [H, W]) with ``pad`` junk bytes at the end of every row."""
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, -1).view(np.uint8)  # [H, W*C*bytes]
    junk = np.full((height, pad), 0xAB, np.uint8)
    data = np.concatenate([rows, junk], axis=1)
    return Image(height=height, width=width, encoding=encoding, is_bigendian=int(bigendian),
                 step=data.shape[1], data=data.tobytes())


@pytest.mark.parametrize("pad", [0, 3])
@pytest.mark.parametrize(
    "encoding, make",
    [
        ("rgb8", lambda rgb: rgb),
        ("bgr8", lambda rgb: rgb[:, :, ::-1]),
        ("rgba8", lambda rgb: np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])),
        ("bgra8", lambda rgb: np.dstack([rgb[:, :, ::-1], np.full(rgb.shape[:2], 7, np.uint8)])),
    ],
)
def test_color_encodings_give_rgb_despite_row_padding(encoding, make, pad):
    frame = image_to_rgb(make_image(np.ascontiguousarray(make(RGB)), encoding, pad))
    assert frame.shape == RGB.shape and frame.dtype == np.uint8
    np.testing.assert_array_equal(frame, RGB)


def test_mono8_is_replicated_to_three_channels():
    gray = RGB[:, :, 0].copy()
    frame = image_to_rgb(make_image(gray, "mono8", pad=1))
    np.testing.assert_array_equal(frame, np.dstack([gray] * 3))


@pytest.mark.parametrize("bigendian", [False, True])
def test_sixteen_bit_encodings_honour_byte_order(bigendian):
    values = RNG.integers(0, 65536, size=(4, 6, 3)).astype(">u2" if bigendian else "<u2")
    frame = image_to_rgb(make_image(values, "rgb16", pad=2, bigendian=bigendian))
    np.testing.assert_array_equal(frame, (values.astype(np.uint32) >> 8).astype(np.uint8))


def test_unpadded_rgb8_is_a_view_of_the_message_data():
    msg = make_image(RGB, "rgb8")
    frame = image_to_rgb(msg)
    assert np.shares_memory(frame, np.frombuffer(msg.data, np.uint8))


@pytest.mark.parametrize(
    "msg, words",
    [
        (Image(height=2, width=2, encoding="yuv422", step=4, data=bytes(8)), "unsupported image encoding"),
        (Image(height=2, width=2, encoding="rgb8", step=6, data=bytes(11)), r"fewer than height\*step"),
        (Image(height=0, width=0, encoding="rgb8", step=0, data=b""), "empty"),
        (Image(height=2, width=2, encoding="rgb8", step=5, data=bytes(10)), "step 5 is smaller"),
    ],
)
def test_invalid_images_raise_a_clear_error(msg, words):
    with pytest.raises(InputError, match=words):
        image_to_rgb(msg)


def test_png_round_trip_is_exact_and_jpeg_is_close():
    header = Header(frame_id="cam")
    np.testing.assert_array_equal(compressed_to_rgb(rgb_to_compressed(RGB, header, "png")), RGB)
    smooth = cv2.resize(RGB, (64, 48), interpolation=cv2.INTER_LINEAR)
    decoded = compressed_to_rgb(rgb_to_compressed(smooth, header, "jpeg"))
    assert decoded.shape == smooth.shape
    assert np.abs(decoded.astype(int) - smooth.astype(int)).mean() < 12


def test_image_transport_format_strings_are_accepted():
    ok, encoded = cv2.imencode(".png", RGB[:, :, ::-1])
    msg = CompressedImage(format="rgb8; png compressed bgr8", data=encoded.tobytes())
    np.testing.assert_array_equal(compressed_to_rgb(msg), RGB)


@pytest.mark.parametrize(
    "msg, words",
    [
        (CompressedImage(format="jpeg", data=b"\xff\xd8 certainly not a jpeg"), "cannot decode"),
        (CompressedImage(format="jpeg", data=b""), "no data"),
        (CompressedImage(format="tiff", data=b"II*\x00"), "unsupported compressed image format"),
    ],
)
def test_invalid_compressed_images_raise_a_clear_error(msg, words):
    with pytest.raises(InputError, match=words):
        compressed_to_rgb(msg)


@pytest.mark.parametrize("encoding", ["rgb8", "bgr8"])
def test_published_images_convert_back_to_the_frame(encoding):
    msg = rgb_to_image(RGB, Header(frame_id="cam"), encoding)
    assert msg.encoding == encoding and msg.step == RGB.shape[1] * 3 and msg.header.frame_id == "cam"
    np.testing.assert_array_equal(image_to_rgb(msg), RGB)


def test_publishing_rejects_unknown_encodings_and_non_rgb_frames():
    with pytest.raises(InputError, match="cannot publish encoding"):
        rgb_to_image(RGB, Header(), "mono8")
    with pytest.raises(InputError, match="HxWx3 uint8"):
        rgb_to_image(RGB[:, :, 0], Header())


def test_box_and_bounding_box_convert_both_ways():
    bbox = box_to_bbox((10.0, 20.0, 30.0, 40.0))
    assert (bbox.center.position.x, bbox.center.position.y, bbox.size_x, bbox.size_y) == (25.0, 40.0, 30.0, 40.0)
    assert bbox_to_box(bbox) == (10.0, 20.0, 30.0, 40.0)


def test_detection_array_copies_the_header_and_is_empty_without_a_box():
    header = Header(frame_id="cam")
    header.stamp.sec, header.stamp.nanosec = 12, 345
    out = detection_array(header, (1.0, 2.0, 3.0, 4.0), 0.75, "abc")
    assert out.header == header and len(out.detections) == 1
    detection = out.detections[0]
    assert detection.id == "abc" and detection.header == header
    assert detection.results[0].hypothesis.score == pytest.approx(0.75)
    assert bbox_to_box(detection.bbox) == (1.0, 2.0, 3.0, 4.0)
    assert detection_array(header, None, 0.0, "").detections == []
