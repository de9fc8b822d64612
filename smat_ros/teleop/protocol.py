"""What the teleop page and server say to each other: frame packets out, JSON requests in, JSON events out.

Frames travel as one binary WebSocket message: a 4-byte big-endian length, a UTF-8 JSON header (stamp as ``sec`` and
``nanosec`` integers: nanoseconds since 1970 do not fit a JavaScript number exactly), then the JPEG bytes.
Requests are JSON objects with an ``op`` (``set_target`` or ``clear``) and an optional ``id`` echoed in the reply;
anything else is refused with a :class:`RequestError` naming the problem.
"""
from __future__ import annotations

import dataclasses
import json
import math
import struct
from typing import Any

from smat_ros.errors import SmatError

MAX_REQUEST_BYTES = 4096
MAX_STAMP_SEC = 2**31 - 1  # builtin_interfaces/Time.sec is int32
NANOSEC_PER_SEC = 1_000_000_000
MAX_BOX_VALUE = 1e6  # pixels; the tracker refuses boxes outside its image with the reason
_HEADER_LENGTH = struct.Struct(">I")


class RequestError(SmatError, ValueError):
    """A request from the page (or any client) that cannot be understood; the message says why."""


@dataclasses.dataclass(frozen=True)
class Stamp:
    """A ROS header stamp (builtin_interfaces/Time)."""

    sec: int
    nanosec: int

    @property
    def ns(self) -> int:
        """The stamp in nanoseconds."""
        return self.sec * NANOSEC_PER_SEC + self.nanosec


@dataclasses.dataclass(frozen=True)
class SetTarget:
    """Start tracking ``box`` (x, y, w, h in the frame's pixels) on the frame stamped ``stamp``."""

    stamp: Stamp
    box: tuple[float, float, float, float]
    request_id: Any = None


@dataclasses.dataclass(frozen=True)
class Clear:
    """Forget the target."""

    request_id: Any = None


Request = SetTarget | Clear


@dataclasses.dataclass(frozen=True)
class EncodedFrame:
    """One camera frame as JPEG with what the page needs to map its pixels and name it."""

    stamp: Stamp
    frame_id: str
    width: int  # pixels of the camera frame (the page maps boxes to these)
    height: int
    jpeg: bytes
    sequence: int  # counts frames encoded since start

    def packet(self) -> bytes:
        """The binary WebSocket message: header length, JSON header, JPEG."""
        header = json.dumps({"type": "frame", "sec": self.stamp.sec, "nanosec": self.stamp.nanosec,
                             "frame_id": self.frame_id, "width": self.width, "height": self.height,
                             "seq": self.sequence}).encode()
        return _HEADER_LENGTH.pack(len(header)) + header + self.jpeg


def split_packet(packet: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON header and JPEG bytes of a frame packet (the page's decoding, for tests and tools)."""
    (length,) = _HEADER_LENGTH.unpack_from(packet)
    return json.loads(packet[4 : 4 + length]), packet[4 + length :]


def _integer(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high], else RequestError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{name} must be an integer, got {json.dumps(value)}")
    if not low <= value <= high:
        raise RequestError(f"{name} must be in [{low}, {high}], got {value}")
    return value


def _stamp(value: Any) -> Stamp:
    """A stamp object {"sec": int, "nanosec": int}, else RequestError."""
    if not isinstance(value, dict) or set(value) != {"sec", "nanosec"}:
        raise RequestError('stamp must be an object {"sec": int, "nanosec": int} (the stamp of the frame shown)')
    return Stamp(_integer(value["sec"], "stamp.sec", 0, MAX_STAMP_SEC),
                 _integer(value["nanosec"], "stamp.nanosec", 0, NANOSEC_PER_SEC - 1))


def _box(value: Any) -> tuple[float, float, float, float]:
    """A box [x, y, w, h] of finite numbers with w, h > 0, else RequestError."""
    if not isinstance(value, list) or len(value) != 4:
        raise RequestError(f"box must be a list [x, y, width, height] in frame pixels, got {json.dumps(value)}")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
        raise RequestError(f"box values must be numbers, got {json.dumps(value)}")
    box = tuple(float(v) for v in value)
    if not all(math.isfinite(v) and abs(v) <= MAX_BOX_VALUE for v in box):
        raise RequestError(f"box values must be finite and within +-{MAX_BOX_VALUE:g} pixels, got {list(box)}")
    if box[2] <= 0 or box[3] <= 0:
        raise RequestError(f"box width and height must be > 0, got {box[2]:g} x {box[3]:g}")
    return box  # type: ignore[return-value]


def parse_request(data: str | bytes | Any) -> Request:
    """The request in a JSON text (or already decoded object); RequestError saying what is wrong."""
    if isinstance(data, (str, bytes, bytearray)):
        if len(data) > MAX_REQUEST_BYTES:
            raise RequestError(f"request is {len(data)} bytes, more than {MAX_REQUEST_BYTES}")
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RequestError(f"request is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RequestError(f"request must be a JSON object with an 'op', got {type(data).__name__}")
    request_id = data.get("id")
    if request_id is not None and (isinstance(request_id, bool) or not isinstance(request_id, (int, str))
                                   or len(str(request_id)) > 64):
        raise RequestError("id must be an integer or a string of at most 64 characters")
    op = data.get("op")
    fields = set(data) - {"op", "id"}
    if op == "set_target":
        if fields != {"stamp", "box"}:
            raise RequestError(f"set_target needs exactly 'stamp' and 'box', got {sorted(fields)}")
        return SetTarget(_stamp(data["stamp"]), _box(data["box"]), request_id)
    if op == "clear":
        if fields:
            raise RequestError(f"clear takes no fields, got {sorted(fields)}")
        return Clear(request_id)
    raise RequestError(f"unknown op {json.dumps(op)}: use 'set_target' or 'clear'")
