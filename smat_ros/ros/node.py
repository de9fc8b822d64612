"""The smat_tracker node: camera images in, the SMAT tracker's box out as vision_msgs detections and a status.

A managed (lifecycle) node: configure checks the parameters, loads the tracker, creates the publishers and starts
the worker; activate opens the image input and the target services and enables the publishers; deactivate closes
them (the model and the target stay); cleanup releases the model. ``autostart`` (default true) walks it to active
at start; a failed configure leaves it unconfigured with the reason logged, and the process keeps running so that
a lifecycle manager can retry. ``/diagnostics`` reports the node's health once a second in every state.

Threads: the executor receives images into a :class:`FrameBuffer` and serves the target services; one worker
thread runs the tracker on the newest frame (older unprocessed ones are dropped and counted). A target names the
frame it was drawn on by stamp: the tracker initializes on that buffered frame, then tracks the buffered frames
after it in order (without publishing frames already published) before it resumes with the newest frame.
Run: ``python -m smat_ros.ros.node --ros-args --params-file config/tracker.yaml -p checkpoint:=weights.pth.tar``.
"""
from __future__ import annotations

import dataclasses
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.executors import SingleThreadedExecutor
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy, qos_profile_services_default
from rclpy.subscription import Subscription
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header
from std_srvs.srv import Trigger
from vision_msgs.msg import BoundingBox2D, Detection2D, Detection2DArray

from smat_ros import Tracker, TrackResult
from smat_ros.crop import Box, validate_box
from smat_ros.errors import InputError, StartupError
from smat_ros.follow.overlay import draw_state
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.msg import TrackStatus
from smat_ros.ros import diagnostics, signals
from smat_ros.ros.clock import ClockPolicy, FrameClock, Verdict, format_ns, stamp_to_ns, target_stamp_ns
from smat_ros.ros.conversions import bbox_to_box, compressed_to_rgb, detection_array, image_to_rgb, rgb_to_image
from smat_ros.ros.follow_publisher import FollowPublisher
from smat_ros.ros.frame_buffer import FrameBuffer, StampedFrame, frame_named_by
from smat_ros.ros.frame_schedule import FrameSchedule, Job
from smat_ros.ros.parameter_handling import (
    change_rejection,
    check_all,
    declare_parameters,
    own_values,
    unknown_rejection,
)
from smat_ros.ros.parameters import FOLLOW_PARAMETERS, NodeParameters, follow_configs
from smat_ros.ros.track_record import TrackRecord
from smat_ros.ros.tracker_loading import load_tracker
from smat_ros.srv import SetTarget

OUTPUT_QOS = QoSProfile(depth=10)
SERVICE_QOS = QoSProfile(depth=256, reliability=qos_profile_services_default.reliability,
                         durability=qos_profile_services_default.durability)  # bursts of calls are all answered
DIAGNOSTICS_PERIOD_S = 1.0
HEARTBEAT_CHECK_S = 0.05  # how often the heartbeat timer looks whether a status is due
LOG_THROTTLE_S = 5.0


def seconds_to_ns(seconds: float) -> int:
    """Seconds as integer nanoseconds."""
    return int(round(seconds * 1e9))


def mib_to_bytes(mib: float) -> int:
    """MiB as bytes."""
    return int(mib * 1024 * 1024)


def clock_policy(params: NodeParameters) -> ClockPolicy:
    """The stamp policy the parameters ask for."""
    return ClockPolicy(max_ahead_s=params.max_stamp_ahead_s, reset_after_s=params.clock_reset_s)


class TrackerNode(LifecycleNode):
    """ROS 2 wrapper of :class:`smat_ros.Tracker`: the lifecycle, the inputs, the worker thread and the publishers,
    wired to the modules of :mod:`smat_ros.ros` that hold each concept (docs/architecture.md, "The tracker node")."""

    def __init__(self) -> None:
        super().__init__("smat_tracker")
        self.params = declare_parameters(self)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.add_post_set_parameters_callback(self._on_parameters_set)
        self.tracker: Tracker | None = None  # loaded by configure, released by cleanup
        self._lock = threading.Condition()  # guards everything below except the tracker
        self._tracker_lock = threading.Lock()  # taken before _lock when both are needed
        self._schedule = FrameSchedule(FrameBuffer(seconds_to_ns(self.params.frame_buffer_s),
                                                   mib_to_bytes(self.params.frame_buffer_mb)))
        self._stamps = FrameClock(clock_policy(self.params))
        self._frame_shape: tuple[int, ...] | None = None  # shape of the last buffered frame
        self._worker_error = ""  # why the worker thread died ('' while it runs)
        self._record = TrackRecord()  # the target and the frame counters, as ~/status reports them
        self._frame_id = ""
        self._active = False  # images are taken and results published only while active
        self._stopping = False
        self._worker: threading.Thread | None = None
        self._outputs: list[Any] = []  # lifecycle publishers, from configure to cleanup
        self._inputs: list[Any] = []  # subscriptions and services, from activate to deactivate
        self._lifecycle = "unconfigured"  # the lifecycle state's label, for /diagnostics
        self._configure_error = ""  # why the last configure failed ('' when it did not)
        self._active_since_s = 0.0
        self._window = diagnostics.Window(time.monotonic())
        self._diagnostics_pub = self.create_publisher(DiagnosticArray, "/diagnostics", OUTPUT_QOS)
        self._diagnostics_timer = self.create_timer(DIAGNOSTICS_PERIOD_S, self._publish_diagnostics)
        self._follow = FollowPublisher(self)  # ~/target and ~/target_ray
        self._last_image_ns = -1  # node clock when the last image arrived
        self._last_status_ns = -1  # node clock when the last status went out
        self._heartbeat_timer = self.create_timer(HEARTBEAT_CHECK_S, self._heartbeat)

    # ---- lifecycle --------------------------------------------------------------------------------------------

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Check the parameters, load the tracker, create the publishers and start the worker."""
        try:
            check_all(self.params)
            tracker, checkpoint = load_tracker(self.params, self.get_logger().warning)
        except StartupError as exc:
            self._configure_error = f"configure failed: {exc}"
            self.get_logger().error(
                f"{self._configure_error}; the node stays unconfigured (retry: ros2 lifecycle set "
                f"{self.get_fully_qualified_name()} configure)")
            return TransitionCallbackReturn.FAILURE
        except Exception:  # a bug: rclpy turns it into an ERROR transition without a word, so say what it was
            self._configure_error = "configure raised an unexpected error (see the node's log)"
            self.get_logger().error(f"configure raised:\n{traceback.format_exc()}")
            raise
        self._configure_error = ""
        with self._tracker_lock:
            self.tracker = tracker
        self._detections_pub = self.create_lifecycle_publisher(Detection2DArray, "~/detections", OUTPUT_QOS)
        self._status_pub = self.create_lifecycle_publisher(TrackStatus, "~/status", OUTPUT_QOS)
        self._debug_pub = self.create_lifecycle_publisher(Image, "~/debug_image", QoSProfile(depth=2))
        self._outputs = [self._detections_pub, self._status_pub, self._debug_pub,
                         *self._follow.create_publishers(OUTPUT_QOS)]
        self._stopping = False
        self._worker = threading.Thread(target=self._run, name="smat_tracker_worker", daemon=True)
        self._worker.start()
        self._lifecycle = "inactive"
        self.get_logger().info(f"configured: {tracker.backend.describe()} (backend parameter {self.params.backend!r}) "
                               f"with {checkpoint}")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Enable the publishers, subscribe to images and targets, offer the target services."""
        result = super().on_activate(state)
        image_qos = QoSProfile(depth=self.params.queue_depth)
        if self.params.image_qos == "sensor_data":
            image_qos.reliability = ReliabilityPolicy.BEST_EFFORT
        if self.params.use_compressed:
            self._image_sub = self.create_subscription(
                CompressedImage, "image/compressed", self._on_compressed, image_qos)
        else:
            self._image_sub = self.create_subscription(Image, "image", self._on_image, image_qos)
        self._inputs = [
            self._image_sub,
            self.create_subscription(CameraInfo, "camera_info", self._on_camera_info, image_qos),
            self.create_subscription(Detection2D, "~/init_box", self._on_init_box, OUTPUT_QOS),
            self.create_service(SetTarget, "~/set_target", self._on_set_target, qos_profile=SERVICE_QOS),
            self.create_service(Trigger, "~/clear_target", self._on_clear_target, qos_profile=SERVICE_QOS),
        ]
        with self._lock:
            self._active = True
            self._lifecycle = "active"
            self._active_since_s = time.monotonic()
            self._window.restart(self._active_since_s, self._counts())
            self._lock.notify()
        self.get_logger().info(
            f"active: images from {self._image_sub.topic_name} ({self.params.image_qos}); set a target with "
            f"{self.get_fully_qualified_name()}/set_target")
        return result

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Stop taking images and targets and disable the publishers; the model and the target stay."""
        self._close_inputs()
        self._lifecycle = "inactive"
        self.get_logger().info("inactive: images are no longer taken (the model and the target are kept)")
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Stop the worker, destroy the publishers and release the model."""
        self._release()
        self._lifecycle = "unconfigured"
        self.get_logger().info("cleaned up: the model is released")
        return super().on_cleanup(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything, from any state; /diagnostics stops."""
        self.close()
        self._lifecycle = "finalized"
        self.destroy_timer(self._diagnostics_timer)
        self.destroy_timer(self._heartbeat_timer)
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        """A transition raised: release everything and go back to unconfigured."""
        self.get_logger().error(f"a lifecycle transition from {state.label} raised: releasing the tracker")
        self.close()
        self._lifecycle = "unconfigured"
        return TransitionCallbackReturn.SUCCESS

    def autostart(self) -> None:
        """Configure and activate (the ``autostart`` parameter); a failure leaves the node where it stopped."""
        if self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
            self.trigger_activate()

    def _close_inputs(self) -> None:
        """Destroy the subscriptions and services and stop publishing results."""
        with self._lock:
            self._active = False
        for entity in self._inputs:
            if isinstance(entity, Subscription):
                self.destroy_subscription(entity)
            else:
                self.destroy_service(entity)
        self._inputs = []

    def _release(self) -> None:
        """Stop the worker, destroy the publishers, release the model and forget the target and the frames."""
        worker = self._worker
        if worker is not None:
            with self._lock:
                self._stopping = True
                self._lock.notify_all()
            worker.join()
            self._worker = None
        for publisher in self._outputs:
            self.destroy_lifecycle_publisher(publisher)
        self._outputs = []
        with self._tracker_lock:
            self.tracker = None
            with self._lock:
                self._record.reset()
                self._schedule.reset()
                self._stamps.restart()
                self._frame_shape = None

    def destroy_node(self) -> None:
        """Destroy the node and its lifecycle state machine, so that the DDS participant goes now.

        rclpy's LifecycleNode leaves its state machine holding the node handle, which defers the handle's
        destruction to the interpreter's teardown; :func:`signals.exit_process` skips that teardown, so every stop
        left the participant's shared-memory segments in /dev/shm (16 MiB each, measured: 6.9 GiB after a day of
        tests on this machine)."""
        super().destroy_node()
        self._state_machine.destroy_when_not_in_use()

    def close(self) -> None:
        """Close the inputs and release the worker, the publishers and the model (any state)."""
        self._close_inputs()
        self._release()

    # ---- parameters -------------------------------------------------------------------------------------------

    def _on_set_parameters(self, params: list[Parameter]) -> SetParametersResult:
        """Reject a parameter change with the reason when any value is invalid, or when the parameter is applied at
        configure and the node is not unconfigured."""
        reason = change_rejection(self.params, params, self._lifecycle)
        if reason is not None:
            self.get_logger().warning(f"rejected parameter change: {reason}")
            return SetParametersResult(successful=False, reason=reason)
        return SetParametersResult(successful=True)

    def set_parameters_atomically(self, parameter_list: list[Parameter]) -> SetParametersResult:
        """rclpy's, except that an undeclared parameter is refused with its name (rclpy's reason names none)."""
        unknown = [param.name for param in parameter_list if not self.has_parameter(param.name)]
        if unknown:
            reason = unknown_rejection(unknown)
            self.get_logger().warning(f"rejected parameter change: {reason}")
            return SetParametersResult(successful=False, reason=reason)
        return super().set_parameters_atomically(parameter_list)

    def _on_parameters_set(self, params: list[Parameter]) -> None:
        """Apply accepted parameter changes."""
        with self._tracker_lock:
            with self._lock:
                self.params = dataclasses.replace(self.params, **own_values(params))
                buffer = self._schedule.buffer
                buffer.span_ns = seconds_to_ns(self.params.frame_buffer_s)
                buffer.max_bytes = mib_to_bytes(self.params.frame_buffer_mb)
                buffer.trim()
                self._stamps.policy = clock_policy(self.params)
            if self.tracker is not None and FOLLOW_PARAMETERS & {param.name for param in params}:
                states, reacquire = follow_configs(self.params)
                self.tracker.configure_follow(states=states, reacquire=reacquire)

    # ---- input ------------------------------------------------------------------------------------------------

    def _on_image(self, msg: Image) -> None:
        """Buffer a raw image (rejected and counted if invalid or stale)."""
        self._receive(msg, image_to_rgb)

    def _on_compressed(self, msg: CompressedImage) -> None:
        """Buffer a jpeg/png image (rejected and counted if invalid or stale)."""
        self._receive(msg, compressed_to_rgb)

    def _receive(self, msg: Image | CompressedImage, convert: Callable[[Any], np.ndarray]) -> None:
        """Admit the stamp, convert to RGB, buffer the frame and wake the worker; every failure is counted."""
        received_ns = time.monotonic_ns()
        with self._lock:
            self._record.counters.received += 1
            self._last_image_ns = self.get_clock().now().nanoseconds
            self._window.image_arrived(received_ns / 1e9)
            admission = self._stamps.admit(msg.header.stamp, self.get_clock().now().nanoseconds)
            if admission.verdict is Verdict.REJECT:
                self._reject(admission.reason)
                return
        try:
            frame = convert(msg)
        except InputError as exc:
            with self._lock:
                self._reject(f"invalid image: {exc}")
            return
        except Exception as exc:  # a conversion bug must not stop the executor
            with self._lock:
                self._reject(f"image conversion failed: {exc!r}")
            return
        with self._lock:
            if admission.verdict is Verdict.RESET:
                self._restart_ordering(admission.reason)
            self._stamps.accept(admission)
            dropped = self._check_image_size(frame.shape, msg.header)
            self._frame_id = msg.header.frame_id
            self._schedule.buffer.add(StampedFrame(admission.key_ns, msg.header, frame, received_ns))
            self._lock.notify()
        if dropped is not None:
            self._status_pub.publish(dropped)

    def _restart_ordering(self, reason: str) -> None:
        """The image stamps jumped backwards: forget the buffered frames and the ordering, keep the target (lock
        held)."""
        self._record.counters.dropped += self._schedule.restart_ordering()
        self.get_logger().warning(f"{reason} (clock reset {self._stamps.resets + 1}); buffered frames forgotten, "
                                  "the target is kept")

    def _check_image_size(self, shape: tuple[int, ...], header: Header) -> TrackStatus | None:
        """Drop the target when the image size changes; the status saying so, or None (lock held)."""
        previous, self._frame_shape = self._frame_shape, shape
        if previous is None or previous == shape:
            return None
        change = f"image size changed from {previous[1]}x{previous[0]} to {shape[1]}x{shape[0]}"
        if not self._record.has_target:
            self.get_logger().info(change)
            return None
        record = self._record
        record.last_error = f"{change}: target {record.track_id} dropped (set a new target on the new images)"
        self.get_logger().warning(record.last_error)
        self._drop_target()
        status = self._status(header)
        status.event = TrackStatus.EVENT_CLEARED
        return status

    def _drop_target(self) -> None:
        """Back to IDLE: results of the old target are discarded; frames after the last published one are taken
        again (lock held)."""
        self._schedule.drop_target()
        self._record.drop()
        self._follow.reset()

    def _on_camera_info(self, msg: CameraInfo) -> None:
        """Keep the camera info for the frames with its stamp (bearing angles in FollowTarget); one with an invalid
        stamp is ignored with the reason."""
        try:
            stamp_ns = stamp_to_ns(msg.header.stamp)
        except InputError as exc:
            with self._lock:
                self._record.last_error = f"camera_info ignored: {exc}"
                self.get_logger().warning(self._record.last_error, throttle_duration_sec=LOG_THROTTLE_S)
            return
        with self._lock:
            self._follow.add_camera_info(stamp_ns, msg)

    def _reject(self, reason: str) -> None:
        """Count a rejected frame and remember why (caller holds the lock)."""
        self._record.counters.rejected += 1
        self._record.last_error = reason
        self.get_logger().warning(reason, throttle_duration_sec=LOG_THROTTLE_S)

    # ---- targets ----------------------------------------------------------------------------------------------

    def _on_set_target(self, request: SetTarget.Request, response: SetTarget.Response) -> SetTarget.Response:
        """Service: start tracking request.bbox on the frame stamped request.header.stamp."""
        response.success, response.message, response.track_id = self._set_target(request.header, request.bbox)
        return response

    def _on_init_box(self, msg: Detection2D) -> None:
        """Topic: start tracking msg.bbox on the frame stamped msg.header.stamp."""
        self._set_target(msg.header, msg.bbox)

    def _set_target(self, header: Header, bbox: BoundingBox2D) -> tuple[bool, str, str]:
        """Initialize on the buffered frame named by the stamp; (success, message, track id). Never raises."""
        try:
            return self._start_target(header, bbox)
        except Exception as exc:  # a request must never stop the executor
            with self._lock:
                return self._target_failed(f"internal error: {exc!r}")

    def _start_target(self, header: Header, bbox: BoundingBox2D) -> tuple[bool, str, str]:
        """Check the request, initialize the tracker and start the track; (success, message, track id)."""
        with self._tracker_lock:
            with self._lock:
                try:
                    requested_ns = target_stamp_ns(header.stamp)
                    frame = self._target_frame(requested_ns, header.frame_id)
                    box = validate_box(bbox_to_box(bbox), frame.frame.shape)
                except InputError as exc:
                    return self._target_failed(str(exc))
            try:
                self.tracker.initialize(frame.frame, box, stamp=frame.stamp_ns * 1e-9)
            except Exception as exc:  # SmatError, or anything the backend raises: the request fails, nothing else
                with self._lock:
                    return self._target_failed(f"tracker initialization failed: {exc}")
            with self._lock:
                track_id = self._record.start()
                catchup, unpublished = self._schedule.start_target(frame)
                # the target box on the frame it was drawn on, published even when that frame's (empty) detections
                # went out already: a UI sees its box confirmed on the stamp it named
                init_detections = detection_array(frame.header, box, 1.0, track_id)
                self._record.counters.processed += int(unpublished)  # not published yet: it counts as processed
                status = self._status(frame.header)
                estimate = self._follow.start(frame, box)
                target, ray = self._follow.messages(frame.header, estimate, track_id)
                self._lock.notify()
        self._detections_pub.publish(init_detections)
        self._publish_status(status)
        self._follow.publish(target, ray)
        message = (f"tracking {track_id} from the frame stamped {format_ns(frame.stamp_ns)} s, "
                   f"{catchup} buffered frame(s) after it")
        self.get_logger().info(message)
        return True, message, track_id

    def _target_frame(self, requested_ns: int, frame_id: str) -> StampedFrame:
        """The buffered frame a target stamp names (zero: the newest); InputError if there is none or its frame_id
        differs from the request's (lock held)."""
        kept_for = f"frame_buffer_s={self.params.frame_buffer_s} s and frame_buffer_mb={self.params.frame_buffer_mb}"
        return frame_named_by(self._schedule.buffer, requested_ns, frame_id, self._image_sub.topic_name, kept_for)

    def _target_failed(self, reason: str) -> tuple[bool, str, str]:
        """Record, log and publish (in the status) a rejected target (lock held)."""
        self._record.last_error = f"set_target failed: {reason}"
        self.get_logger().warning(self._record.last_error)
        if self._active:
            self._status_pub.publish(self._status(Header(stamp=self.get_clock().now().to_msg(),
                                                         frame_id=self._frame_id)))
        return False, reason, ""

    def _on_clear_target(self, request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        """Service: forget the target; the node goes IDLE."""
        try:
            with self._tracker_lock:
                self.tracker.reset()
                with self._lock:
                    had_target = self._record.has_target
                    self._drop_target()
                    self._record.event = TrackStatus.EVENT_CLEARED if had_target else TrackStatus.EVENT_NONE
                    header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self._frame_id)
                    status = self._status(header)
            self._publish_status(status)
        except Exception as exc:  # a request must never stop the executor
            response.success, response.message = False, f"clear_target failed: {exc!r}"
            self.get_logger().error(response.message)
            return response
        response.success = True
        response.message = "target cleared" if had_target else "no target was set"
        return response

    # ---- worker -----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        """Worker loop: take the next frame, track it, publish. A frame that fails is counted and the loop goes on;
        if the thread dies anyway, the node says so and stops (exit code 1)."""
        try:
            while True:
                with self._lock:
                    job = self._next_job()
                    while job is None and not self._stopping:
                        self._lock.wait()
                        job = self._next_job()
                    if self._stopping:
                        return
                try:
                    self._process(job)
                except Exception as exc:
                    self._frame_failed(job, exc)
        except BaseException as exc:
            self._worker_died(exc)

    def _frame_failed(self, job: Job, exc: Exception) -> None:
        """Count a frame whose processing raised (silent while the node shuts down: publishers are gone)."""
        if not self.context.ok():
            return
        with self._lock:
            self._record.counters.dropped += 1
            self._record.last_error = f"processing the frame stamped {format_ns(job.frame.stamp_ns)} s failed: {exc!r}"
            self.get_logger().error(self._record.last_error, throttle_duration_sec=LOG_THROTTLE_S)

    def _worker_died(self, exc: BaseException) -> None:
        """Say that the tracking worker died and stop the process (main() exits with 1)."""
        self._worker_error = f"the tracking worker died: {exc!r}"
        self.get_logger().fatal(f"{self._worker_error}; stopping the node")
        self._window.tracking_failed(self._worker_error)
        rclpy.try_shutdown(context=self.context)

    @property
    def worker_error(self) -> str:
        """Why the tracking worker died ('' while it runs or after a clean stop)."""
        return self._worker_error

    def _next_job(self) -> Job | None:
        """The next frame to process while active: in order while catching up, else the newest (lock held)."""
        if not self._active:
            return None
        job, skipped = self._schedule.next_job(self._record.has_target)
        self._record.counters.dropped += skipped
        return job

    def _process(self, job: Job) -> None:
        """Track one frame and publish detections, status and (when watched) the debug image."""
        result, error, elapsed = None, "", 0.0
        if job.tracking:
            with self._tracker_lock:
                if job.generation != self._schedule.generation:
                    return  # the target changed; the new target's cursor takes this frame again
                start = time.perf_counter()
                try:
                    result = self.tracker.track(job.frame.frame, stamp=job.frame.stamp_ns * 1e-9)
                except Exception as exc:  # SmatError, or anything the backend raises: LOST with the reason
                    error = f"tracking failed: {exc}"
                elapsed = time.perf_counter() - start
        with self._lock:
            counters = self._record.counters
            if job.epoch != self._schedule.epoch:  # the ordering restarted while this frame was tracked
                counters.dropped += 1
                return
            if job.generation != self._schedule.generation:
                return
            if not self._active:  # deactivated while tracking: nothing is published
                counters.dropped += 1
                return
            if job.replay:
                counters.replayed += 1
                return
            box, state = self._update_state(result, error)
            record = self._record
            estimate = self._follow.update(job.frame, result, record.score, state, record.seconds_since_seen)
            target, ray = self._follow.messages(job.frame.header, estimate, record.track_id)
            self._schedule.published_ns = job.frame.stamp_ns
            counters.processed += 1
            detections = detection_array(job.frame.header, box if state == TrackStatus.TRACKING else None,
                                         record.score, record.track_id)
            debug = self.params.publish_debug_image and self._debug_pub.get_subscription_count() > 0
            counters.debug_images += int(debug)
            score = record.score
            latency_ms = (time.monotonic_ns() - job.frame.received_ns) / 1e6
            status = self._status(job.frame.header, elapsed * 1e3, latency_ms)
            if job.tracking:
                self._window.frame_processed(elapsed * 1e3, latency_ms)
            if result is not None and result.state != TrackState.IDLE and self._camera_motion_on():
                self._window.camera_moved(result.camera_shift)
            if result is not None and result.state == TrackState.LOST and result.detection is not None:
                self._window.lost_frame(result.refused)
        self._detections_pub.publish(detections)
        self._publish_status(status)
        self._follow.publish(target, ray)
        if debug:
            picture = draw_state(job.frame.frame, box, TrackState(state), score, estimate)
            self._debug_pub.publish(rgb_to_image(picture, job.frame.header))

    def _update_state(self, result: TrackResult | None, error: str) -> tuple[Box | None, int]:
        """Apply one tracking result (or error) to state and score; the box to draw (lock held)."""
        if error:
            self._record.fail(error)
            self._window.tracking_failed(error)
            self.get_logger().error(error, throttle_duration_sec=LOG_THROTTLE_S)
            return None, self._record.state
        if result is None:
            return None, self._record.state
        self._record.apply(result)
        if result.event == TrackEvent.TIMED_OUT:
            self.get_logger().warning(result.reason)
        elif result.event in (TrackEvent.LOST, TrackEvent.REACQUIRED):
            self.get_logger().info(f"target {self._record.track_id} {result.event.name.lower()}"
                                   + (f": {result.reason}" if result.reason else ""))
        return (result.box if result.state != TrackState.IDLE else None), self._record.state

    def _publish_status(self, status: TrackStatus) -> None:
        """Publish a status and remember when (the heartbeat fills the gaps)."""
        self._status_pub.publish(status)
        with self._lock:
            self._last_status_ns = self.get_clock().now().nanoseconds

    def _heartbeat(self) -> None:
        """Timer: the status heartbeat; errors are logged (a timer must not stop the executor)."""
        try:
            self._beat()
        except Exception as exc:
            self.get_logger().error(f"~/status heartbeat failed: {exc!r}", throttle_duration_sec=LOG_THROTTLE_S)

    def _beat(self) -> None:
        """While active, publish ~/status at status_rate_hz when no frame's status went out."""
        now = self.get_clock().now()
        with self._lock:
            rate = self.params.status_rate_hz
            if not self._active or rate <= 0 or now.nanoseconds - self._last_status_ns < 1e9 / rate:
                return
            status = self._status(Header(stamp=now.to_msg(), frame_id=self._frame_id))
        self._publish_status(status)

    def _counts(self) -> diagnostics.Counts:
        """The frame counters for /diagnostics (lock held)."""
        counters = self._record.counters
        return diagnostics.Counts(counters.received, counters.processed, counters.dropped, counters.rejected)

    def _publish_diagnostics(self) -> None:
        """Timer: publish the node's health on /diagnostics (hardware_id: the node's name); errors are logged."""
        try:
            self._diagnose()
        except Exception as exc:  # a diagnostics bug must not stop the executor
            if self.context.ok():  # else a signal is shutting the context down under this timer: nothing to report
                self.get_logger().error(f"/diagnostics failed: {exc!r}", throttle_duration_sec=LOG_THROTTLE_S)

    def _diagnose(self) -> None:
        """Publish one DiagnosticArray."""
        now_s = time.monotonic()
        with self._lock:
            state = TrackState(self._record.state).name
            figures = self._window.close(now_s, self._counts())
            level, message = diagnostics.assess_node(self._lifecycle, self._configure_error, figures, state,
                                                     self.params.image_timeout_s, now_s - self._active_since_s)
            tracker = self.tracker
            camera_motion = self._camera_motion_on()
            reacquire = tracker is not None and tracker.reacquire
        device = str(tracker.device) if tracker is not None else "none (not configured)"
        backend = tracker.backend.name if tracker is not None else self.params.backend
        values = [("lifecycle state", self._lifecycle),
                  *diagnostics.key_values(figures, state, backend, device, camera_motion, reacquire)]
        name = self.get_fully_qualified_name()
        status = diagnostics.status_message(level, message, values, f"{name.lstrip('/')}: tracking", name)
        self._diagnostics_pub.publish(DiagnosticArray(header=Header(stamp=self.get_clock().now().to_msg()),
                                                      status=[status]))

    def _camera_motion_on(self) -> bool:
        """Whether the tracker estimates the camera's image shift (camera_motion, with reacquire; lock held)."""
        return self.tracker is not None and self.tracker.camera_motion

    def _status(self, header: Header, processing_ms: float = 0.0, latency_ms: float = 0.0) -> TrackStatus:
        """The current TrackStatus with ``header`` (lock held)."""
        return self._record.status(header, self._seconds_since_image(), self._stamps.resets, processing_ms, latency_ms)

    def _seconds_since_image(self) -> float:
        """Seconds (node clock) since the last image arrived; -1 before the first (lock held)."""
        if self._last_image_ns < 0:
            return -1.0
        return max(0.0, (self.get_clock().now().nanoseconds - self._last_image_ns) * 1e-9)


def main(args: list[str] | None = None) -> NoReturn:
    """Run the node (see :func:`run`) and end the process with its exit code without a slow interpreter teardown."""
    signals.exit_process(run(args))


def run(args: list[str] | None = None) -> int:
    """Run the smat_tracker node until SIGINT/SIGTERM or shutdown (0); 1 when it cannot be created (a parameter of
    the wrong type) or its tracking worker died."""
    signals.handle_signals()
    rclpy.init(args=args)
    node = signals.create_node("smat_tracker", TrackerNode)
    if node is None:
        return 1
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        if node.params.autostart and not signals.stop_requested():
            node.autostart()
        signals.spin(executor, node.context)
    finally:
        node.close()
        node.destroy_node()
        rclpy.try_shutdown()
    return 1 if node.worker_error else 0


if __name__ == "__main__":
    sys.exit(main())
