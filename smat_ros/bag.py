"""rosbag2 recordings (sqlite3 or MCAP) without ROS, through the pure-Python ``rosbags`` library.

:func:`typestore` knows the jazzy standard messages plus vision_msgs and this package's messages (registered from
their .msg files); :class:`ImageStream` yields the sensor_msgs/Image or CompressedImage messages of one topic in
header stamp order; :class:`BagCopy` writes a new bag with every topic of the original plus new ones.
"""
from __future__ import annotations

import heapq
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rosbags.rosbag2 import Reader, ReaderError, StoragePlugin, Writer, WriterError
from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from smat_ros.errors import InputError

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
BAG_VERSION = 9  # rosbag2 metadata version written by jazzy
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def definition_dirs(package: str) -> list[Path]:
    """Folders that may hold ``package``'s .msg files: ament prefixes, this Python's prefix, the source tree."""
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    installed = [Path(p) / "share" / package / "msg" for p in prefixes]
    bundled = [Path(p) / "share" / "smat_ros" / "interfaces" / package / "msg" for p in prefixes]
    source = [_SOURCE_ROOT / "msg"] if package == "smat_ros" else [_SOURCE_ROOT / "interfaces" / package / "msg"]
    return installed + bundled + source


def _register_package(store: Typestore, package: str) -> None:
    """Register every message of ``package`` from the first folder that has its .msg files."""
    for folder in definition_dirs(package):
        files = sorted(folder.glob("*.msg"))
        if files:
            types: dict[str, Any] = {}
            for path in files:
                types.update(get_types_from_msg(path.read_text(), f"{package}/msg/{path.stem}"))
            store.register(types)
            return
    raise InputError(f"the {package} message definitions (.msg files) were not found; looked in "
                     + ", ".join(str(folder) for folder in definition_dirs(package)))


def typestore() -> Typestore:
    """The jazzy message types plus vision_msgs and smat_ros (TrackStatus, FollowTarget)."""
    store = get_typestore(Stores.ROS2_JAZZY)
    _register_package(store, "vision_msgs")
    _register_package(store, "smat_ros")
    return store


def stamp_ns(msg: Any) -> int:
    """A message's header stamp in nanoseconds."""
    return int(msg.header.stamp.sec) * 1_000_000_000 + int(msg.header.stamp.nanosec)


def storage_of(path: Path) -> StoragePlugin:
    """The storage format of the bag at ``path`` (MCAP when it holds .mcap files, else sqlite3)."""
    if path.suffix == ".mcap" or any(path.glob("*.mcap")):
        return StoragePlugin.MCAP
    return StoragePlugin.SQLITE3


@dataclass(frozen=True)
class BagImage:
    """One image message of the bag: its header stamp, the time it was recorded (ns), the decoded message."""

    stamp_ns: int
    log_time_ns: int
    msgtype: str
    msg: Any


class ImageStream:
    """The image messages of one topic of an opened bag, in header stamp order (recording order among equals).

    A first pass reads the stamps; the second yields the messages, holding back only those recorded before an
    earlier-stamped one (memory bounded by how far the recording is out of order).
    """

    def __init__(self, reader: Reader, topic: str, store: Typestore) -> None:
        self.reader, self.store = reader, store
        topics = {conn.topic: conn.msgtype for conn in reader.connections}
        if topic not in topics:
            listing = ", ".join(f"{name} ({kind})" for name, kind in sorted(topics.items())) or "none"
            raise InputError(f"topic {topic!r} is not in the bag; its topics: {listing}")
        if topics[topic] not in IMAGE_TYPES:
            raise InputError(f"topic {topic!r} holds {topics[topic]}, not {' or '.join(IMAGE_TYPES)}")
        self.msgtype = topics[topic]
        self.connections = [conn for conn in reader.connections if conn.topic == topic]
        self._order = self._stamp_order()
        if not self._order:
            raise InputError(f"topic {topic!r} has no messages in the bag: nothing to track")

    def _stamp_order(self) -> list[int]:
        """Recording positions of the topic's messages sorted by header stamp (their stamps in ``stamps_ns``)."""
        keyed = sorted((stamp_ns(self.store.deserialize_cdr(raw, conn.msgtype)), position)
                       for position, (conn, _, raw) in enumerate(self.reader.messages(connections=self.connections)))
        self.stamps_ns = [stamp for stamp, _ in keyed]
        return [position for _, position in keyed]

    def __len__(self) -> int:
        """Number of image messages."""
        return len(self._order)

    def __iter__(self) -> Iterator[BagImage]:
        """The messages in header stamp order."""
        rank = {position: index for index, position in enumerate(self._order)}
        held: list[tuple[int, int, Any]] = []  # heap of (rank, log time, raw) recorded ahead of their turn
        expected = 0
        for position, (_, log_time, raw) in enumerate(self.reader.messages(connections=self.connections)):
            heapq.heappush(held, (rank[position], log_time, raw))
            while held and held[0][0] == expected:
                _, held_time, held_raw = heapq.heappop(held)
                msg = self.store.deserialize_cdr(held_raw, self.msgtype)
                yield BagImage(stamp_ns(msg), held_time, self.msgtype, msg)
                expected += 1


def open_bag(path: Path) -> Reader:
    """An opened reader of the rosbag2 folder (or .mcap file) at ``path``; InputError when it cannot be read."""
    if not path.exists():
        raise InputError(f"bag not found: {path}")
    try:
        reader = Reader(path)
        reader.open()
    except ReaderError as exc:
        raise InputError(f"cannot read the bag {path}: {exc}") from None
    if reader.message_count == 0:
        reader.close()
        raise InputError(f"the bag {path} is empty (no messages)")
    return reader


class BagCopy:
    """A new bag at ``path`` holding every message of ``reader``'s bag; :meth:`add` writes more on new topics."""

    def __init__(self, reader: Reader, path: Path, storage: StoragePlugin, store: Typestore) -> None:
        if path.exists():
            raise InputError(f"output bag {path} exists already: choose a new path")
        self.store = store
        self._writer = Writer(path, version=BAG_VERSION, storage_plugin=storage)
        self._writer.open()
        self._copies = {conn.id: self._copy_connection(conn) for conn in reader.connections}
        self._added: dict[str, Any] = {}

    def _copy_connection(self, conn: Any) -> Any:
        """A connection of the new bag like ``conn`` (its recorded definition, else the typestore's)."""
        ext = conn.ext
        if conn.msgdef.data and conn.digest:
            return self._writer.add_connection(conn.topic, conn.msgtype, msgdef=conn.msgdef.data, rihs01=conn.digest,
                                               serialization_format=ext.serialization_format,
                                               offered_qos_profiles=ext.offered_qos_profiles)
        if conn.msgtype not in self.store.types:
            raise InputError(f"cannot copy topic {conn.topic!r}: the bag has no definition of {conn.msgtype}")
        return self._writer.add_connection(conn.topic, conn.msgtype, typestore=self.store,
                                           serialization_format=ext.serialization_format,
                                           offered_qos_profiles=ext.offered_qos_profiles)

    def copy(self, conn: Any, log_time_ns: int, raw: bytes) -> None:
        """Write one original message unchanged."""
        self._writer.write(self._copies[conn.id], log_time_ns, raw)

    def add(self, topic: str, msg: Any, log_time_ns: int) -> None:
        """Write ``msg`` on ``topic`` (a new topic of the type of ``msg``) at ``log_time_ns``."""
        if topic not in self._added:
            try:
                self._added[topic] = self._writer.add_connection(topic, msg.__msgtype__, typestore=self.store)
            except WriterError as exc:
                raise InputError(f"cannot add topic {topic!r} to the output bag: {exc}") from None
        self._writer.write(self._added[topic], log_time_ns, self.store.serialize_cdr(msg, msg.__msgtype__))

    def close(self) -> None:
        """Finish the bag (writes its metadata)."""
        self._writer.close()
