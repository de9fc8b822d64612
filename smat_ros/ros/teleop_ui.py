"""The teleop_ui node: a browser UI where an operator drags a box on the live video and the tracker starts on it.

It subscribes to the camera (``image`` or ``image/compressed``, remappable) or the tracker's ``~/debug_image``, and to
the tracker's ``~/status``, ``~/detections`` and ``~/target``; it serves the page of :mod:`smat_ros.teleop.server`
and forwards the page's requests to the tracker's ``~/set_target`` (with the stamp of the frame that was on screen)
and ``~/clear_target``. Threads: the ROS executor spins in its own thread and only hands frames over; a worker
thread encodes the newest frame to JPEG (older ones are dropped and counted); the web server runs in the asyncio
loop of the main thread. Run:
``python -m smat_ros.ros.teleop_ui --ros-args --params-file config/teleop.yaml`` then open the URL it prints.
"""
from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import signal
import sys
import threading
from typing import Any

import rclpy
from rclpy.client import Client
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from rclpy.task import Future
from rclpy.time import Time
from sensor_msgs.msg import CompressedImage, Image
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2DArray

from smat_ros.errors import StartupError
from smat_ros.msg import FollowTarget, TrackStatus
from smat_ros.ros.conversions import bbox_to_box, box_to_bbox, compressed_to_rgb, image_to_rgb
from smat_ros.ros.parameter_handling import declare_all
from smat_ros.ros.parameters import parameter_field
from smat_ros.ros.signals import create_node
from smat_ros.srv import SetTarget
from smat_ros.teleop.frames import FrameEncoder
from smat_ros.teleop.protocol import SetTarget as SetTargetRequest
from smat_ros.teleop.protocol import Stamp
from smat_ros.teleop.rate import RateMeter
from smat_ros.teleop.server import Reply, ServerConfig, TeleopServer

VIDEO_CHOICES = ("camera", "debug")
SERVICE_WAIT_S = 2.0  # how long a request waits for the tracker's service before it is refused
IMAGE_QOS_CHOICES = ("sensor_data", "reliable")
EVENT_QOS = QoSProfile(depth=10)


@dataclasses.dataclass(frozen=True)
class TeleopParameters:
    """The teleop_ui node's parameters (all read-only after start)."""

    host: str = parameter_field("127.0.0.1", "address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 or :: "
                                             "(every interface: set a token), or one interface's address")
    port: int = parameter_field(8080, "TCP port of the page (0: any free port, printed at start)", low=0, high=65535)
    token: str = parameter_field("", "access token the page, WebSocket and API require ('': none; open the page as "
                                     "http://host:port/?token=...)")
    tracker: str = parameter_field("/smat_tracker", "the tracker node: its status, detections, target, set_target and "
                                                    "clear_target are used")
    video: str = parameter_field("camera", "what the page shows: camera (the image topic) or debug (the tracker's "
                                           "debug_image)", choices=VIDEO_CHOICES)
    use_compressed: bool = parameter_field(False, "camera video from image/compressed (jpeg/png) instead of image")
    image_qos: str = parameter_field("sensor_data", "QoS of the camera subscription: sensor_data (best effort) or "
                                                    "reliable", choices=IMAGE_QOS_CHOICES)
    jpeg_quality: int = parameter_field(80, "JPEG quality of the frames sent to the page", low=10, high=100)
    max_width: int = parameter_field(0, "frames wider than this are shrunk before sending, boxes stay in camera pixels "
                                        "(0: full size)", low=0, high=16384)
    service_timeout_s: float = parameter_field(5.0, "longest wait for the tracker's answer to set_target/clear_target",
                                               low=0.1, high=120.0)


DEFAULTS = TeleopParameters()


def stamp_of(msg: Any) -> dict[str, int]:
    """The header stamp of a message as the page's {sec, nanosec}."""
    return {"sec": msg.header.stamp.sec, "nanosec": msg.header.stamp.nanosec}


def status_event(msg: TrackStatus, fps: float) -> dict[str, Any]:
    """The page's status event from a TrackStatus (``fps``: frames the tracker processes per second)."""
    return {**stamp_of(msg), "state": msg.state, "event": msg.event, "track_id": msg.track_id,
            "score": round(float(msg.score), 4), "fps": round(fps, 2), "latency_ms": round(float(msg.latency_ms), 1),
            "processing_ms": round(float(msg.processing_ms), 1), "frames_received": msg.frames_received,
            "frames_processed": msg.frames_processed, "frames_dropped": msg.frames_dropped,
            "frames_rejected": msg.frames_rejected, "last_error": msg.last_error}


def detections_event(msg: Detection2DArray) -> dict[str, Any]:
    """The page's detections event: every box as {id, x, y, w, h, score} in frame pixels."""
    boxes = []
    for detection in msg.detections:
        x, y, w, h = bbox_to_box(detection.bbox)
        score = detection.results[0].hypothesis.score if detection.results else 0.0
        boxes.append({"id": detection.id, "x": x, "y": y, "w": w, "h": h, "score": score})
    return {**stamp_of(msg), "boxes": boxes}


def target_event(msg: FollowTarget) -> dict[str, Any]:
    """The page's target event from a FollowTarget."""
    return {**stamp_of(msg), "state": msg.state, "visible": msg.visible, "has_bearing": msg.has_bearing,
            "azimuth": msg.azimuth, "elevation": msg.elevation, "center_x_norm": msg.center_x_norm,
            "center_y_norm": msg.center_y_norm}


class TeleopUi(Node):
    """Subscribes the video and the tracker's outputs, serves the page, calls the tracker's services."""

    def __init__(self) -> None:
        super().__init__("teleop_ui")
        self.params = declare_all(self, DEFAULTS)
        tracker = self.params.tracker.rstrip("/")
        self._camera_meter = RateMeter()
        self._tracker_meter = RateMeter()
        self._last_processed: int | None = None
        self.server = TeleopServer(self, ServerConfig(self.params.host, self.params.port, self.params.token),
                                   self._stats)
        compressed = self.params.video == "camera" and self.params.use_compressed
        self.encoder = FrameEncoder(compressed_to_rgb if compressed else image_to_rgb, self.server.post_frame,
                                    self.params.jpeg_quality, self.params.max_width)
        if self.params.video == "debug":
            self._video_sub = self.create_subscription(Image, f"{tracker}/debug_image", self._on_image,
                                                       QoSProfile(depth=2))
        else:
            qos = QoSProfile(depth=2)
            if self.params.image_qos == "sensor_data":
                qos.reliability = ReliabilityPolicy.BEST_EFFORT
            self._video_sub = self.create_subscription(
                CompressedImage if compressed else Image, "image/compressed" if compressed else "image",
                self._on_image, qos)
        self.create_subscription(TrackStatus, f"{tracker}/status", self._on_status, EVENT_QOS)
        self.create_subscription(Detection2DArray, f"{tracker}/detections", self._on_detections, EVENT_QOS)
        self.create_subscription(FollowTarget, f"{tracker}/target", self._on_target, EVENT_QOS)
        self._set_target_client = self.create_client(SetTarget, f"{tracker}/set_target")
        self._clear_client = self.create_client(Trigger, f"{tracker}/clear_target")

    @property
    def video_topic(self) -> str:
        """The topic the page's video comes from."""
        return self._video_sub.topic_name

    # ---- ROS callbacks (executor thread): hand over and return ------------------------------------------------

    def _on_image(self, msg: Image | CompressedImage) -> None:
        """Give the frame to the encoder (it keeps only the newest)."""
        self._camera_meter.tick()
        self.encoder.submit(msg, Stamp(msg.header.stamp.sec, msg.header.stamp.nanosec), msg.header.frame_id)

    def _on_status(self, msg: TrackStatus) -> None:
        """Forward the tracker's status with its processing rate."""
        if self._last_processed is not None and msg.frames_processed > self._last_processed:
            self._tracker_meter.tick(min(msg.frames_processed - self._last_processed, 1000))
        self._last_processed = msg.frames_processed
        self.server.post_event("status", status_event(msg, self._tracker_meter.rate()))

    def _on_detections(self, msg: Detection2DArray) -> None:
        """Forward the tracker's boxes."""
        self.server.post_event("detections", detections_event(msg))

    def _on_target(self, msg: FollowTarget) -> None:
        """Forward the follow-me target."""
        self.server.post_event("target", target_event(msg))

    def _stats(self) -> dict[str, Any]:
        """The node's counters for the page (camera rate, encoder drops)."""
        counters = self.encoder.snapshot()
        return {"camera_fps": round(self._camera_meter.rate(), 2), "video_topic": self.video_topic,
                "frames_encoded": counters.encoded, "frames_dropped_encoder": counters.dropped,
                "frames_failed": counters.failed, "last_error": counters.last_error}

    # ---- the tracker's services (called from the server's loop) -----------------------------------------------

    async def set_target(self, request: SetTargetRequest) -> Reply:
        """Call ~/set_target with the frame's stamp and the box in its pixels."""
        service_request = SetTarget.Request(bbox=box_to_bbox(request.box))
        service_request.header.stamp = Time(nanoseconds=request.stamp.ns).to_msg()
        response = await self._call(self._set_target_client, service_request)
        if isinstance(response, Reply):
            return response
        box = ", ".join(f"{v:.1f}" for v in request.box)
        self.get_logger().info(f"set_target ({box}) on {request.stamp.sec}.{request.stamp.nanosec:09d}: "
                               f"{'ok' if response.success else 'refused'}: {response.message}")
        return Reply(response.success, response.message, response.track_id)

    async def clear(self) -> Reply:
        """Call ~/clear_target."""
        response = await self._call(self._clear_client, Trigger.Request())
        return response if isinstance(response, Reply) else Reply(response.success, response.message)

    @staticmethod
    async def _service_ready(client: Client) -> bool:
        """Whether the service is there, waiting up to SERVICE_WAIT_S (discovery can lag behind a running tracker)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SERVICE_WAIT_S
        while not client.service_is_ready():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def _call(self, client: Client, request: Any) -> Any:
        """The service's response, or a failed Reply saying why there is none."""
        if not await self._service_ready(client):
            return Reply(False, f"the tracker's {client.srv_name} service is not available: is the tracker "
                                f"running and active (parameter tracker={self.params.tracker!r})?")
        loop = asyncio.get_running_loop()
        answer: asyncio.Future = loop.create_future()

        def settle(done: Future) -> None:
            """Hand the ROS future's result (or failure) to the asyncio future (in the loop)."""
            if answer.done():
                return
            failure = None if done.cancelled() else done.exception()
            if done.cancelled() or failure is not None or done.result() is None:
                answer.set_result(Reply(False, f"the call to {client.srv_name} failed: {failure or 'cancelled'}"))
            else:
                answer.set_result(done.result())

        ros_future = client.call_async(request)
        ros_future.add_done_callback(lambda done: loop.call_soon_threadsafe(settle, done))
        try:
            return await asyncio.wait_for(answer, self.params.service_timeout_s)
        except asyncio.TimeoutError:
            client.remove_pending_request(ros_future)
            return Reply(False, f"no answer from {client.srv_name} within {self.params.service_timeout_s} s")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(node: TeleopUi) -> None:
    """Run the web server until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        url = await node.server.start()
    except OSError as exc:
        raise StartupError(f"cannot listen on {node.params.host}:{node.params.port}: {exc.strerror or exc}") from None
    if not is_loopback(node.params.host) and not node.params.token:
        node.get_logger().warning(f"listening on {node.params.host} without a token: anyone who reaches this port "
                                  f"can steer the tracker (set the token parameter)")
    node.get_logger().info(f"teleop UI at {url} (video from {node.video_topic}, tracker {node.params.tracker})")
    try:
        await stop.wait()
    finally:
        await node.server.stop()


def main(args: list[str] | None = None) -> int:
    """Run the teleop UI until Ctrl-C; 1 when it cannot start."""
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s] [teleop_ui.web]: %(message)s")
    node = create_node("teleop_ui", TeleopUi)
    if node is None:
        return 1
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    spinner = threading.Thread(target=executor.spin, name="teleop_ros_executor", daemon=True)
    spinner.start()
    status = 0
    try:
        asyncio.run(serve(node))
    except StartupError as exc:
        node.get_logger().fatal(str(exc))
        status = 1
    finally:
        node.encoder.close()
        executor.shutdown()
        spinner.join(timeout=5.0)
        node.destroy_node()
        rclpy.try_shutdown()
    return status


if __name__ == "__main__":
    sys.exit(main())
