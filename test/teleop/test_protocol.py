"""The teleop page's protocol: frame packets carry the exact stamp; malformed requests are refused with the reason."""
from __future__ import annotations

import json

import pytest

from smat_ros.teleop.protocol import (
    MAX_REQUEST_BYTES,
    Clear,
    EncodedFrame,
    RequestError,
    SetTarget,
    Stamp,
    parse_request,
    split_packet,
)


def test_frame_packet_round_trip_keeps_a_nanosecond_stamp():
    frame = EncodedFrame(Stamp(1_718_000_000, 123_456_789), "camera", 768, 576, b"\xff\xd8jpeg", 7)
    header, jpeg = split_packet(frame.packet())
    assert header == {"type": "frame", "sec": 1_718_000_000, "nanosec": 123_456_789, "frame_id": "camera",
                      "width": 768, "height": 576, "seq": 7}
    assert jpeg == b"\xff\xd8jpeg"
    assert Stamp(header["sec"], header["nanosec"]).ns == 1_718_000_000_123_456_789


def test_set_target_and_clear_are_parsed():
    request = parse_request(json.dumps({"op": "set_target", "id": 3, "stamp": {"sec": 5, "nanosec": 9},
                                        "box": [10, 20.5, 30, 40]}))
    assert request == SetTarget(Stamp(5, 9), (10.0, 20.5, 30.0, 40.0), 3)
    assert parse_request('{"op": "clear", "id": "a"}') == Clear("a")
    assert parse_request(b'{"op": "clear"}') == Clear(None)


@pytest.mark.parametrize("text, words", [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    ('"set_target"', "JSON object"),
    ("{}", "unknown op"),
    ('{"op": "fly"}', "unknown op"),
    ('{"op": "clear", "box": [1, 2, 3, 4]}', "takes no fields"),
    ('{"op": "set_target", "box": [1, 2, 3, 4]}', "exactly 'stamp' and 'box'"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 3, 4], "x": 1}', "exactly"),
    ('{"op": "set_target", "stamp": 5, "box": [1, 2, 3, 4]}', "stamp must be an object"),
    ('{"op": "set_target", "stamp": {"sec": 1}, "box": [1, 2, 3, 4]}', "stamp must be an object"),
    ('{"op": "set_target", "stamp": {"sec": -1, "nanosec": 0}, "box": [1, 2, 3, 4]}', "stamp.sec must be in"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 1000000000}, "box": [1, 2, 3, 4]}', "stamp.nanosec"),
    ('{"op": "set_target", "stamp": {"sec": 1.5, "nanosec": 0}, "box": [1, 2, 3, 4]}', "must be an integer"),
    ('{"op": "set_target", "stamp": {"sec": true, "nanosec": 0}, "box": [1, 2, 3, 4]}', "must be an integer"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 3]}', "box must be a list"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": "1,2,3,4"}', "box must be a list"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, "3", 4]}', "must be numbers"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, NaN, 4]}', "finite"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 1e308, 4]}', "finite"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 0, 4]}', "must be > 0"),
    ('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 3, -4]}', "must be > 0"),
    ('{"op": "clear", "id": [1]}', "id must be"),
    ('{"op": "clear", "id": true}', "id must be"),
])
def test_malformed_requests_are_refused_with_the_reason(text, words):
    with pytest.raises(RequestError, match=words):
        parse_request(text)


def test_oversized_requests_are_refused_before_parsing():
    with pytest.raises(RequestError, match=f"more than {MAX_REQUEST_BYTES}"):
        parse_request('{"op": "clear", "pad": "' + "x" * MAX_REQUEST_BYTES + '"}')
