"""Every node's parameters as one typed dataclass holding defaults, descriptions, ranges and checks, and the
smat_tracker node's table.

A node's parameters dataclass is built with :func:`parameter_field`; ``parameter_handling.declare_all`` declares its
fields on the node with their :func:`descriptor` (rclpy then enforces the type, the range and read-only, at start and
at every run-time change) and :func:`check` adds what a descriptor cannot say (choices, patterns such as the
device's).

The tracker node's parameters are :class:`NodeParameters`: types and ranges are enforced when a parameter is
declared; :func:`check` (names, choices, patterns) runs again at every configure transition, so a bad value leaves the
node unconfigured with the reason. ``config/tracker.yaml`` repeats these defaults (a test keeps the two equal).
"""
from __future__ import annotations

import array
import dataclasses
import re
from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType

from smat_ros.backends.options import BACKEND_CHOICES, GRAPHS, PRECISIONS, PROVIDERS
from smat_ros.config import ConfigError
from smat_ros.errors import DataFileError
from smat_ros.follow.association import configured_association
from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.follow.states import StateConfig

STATES = StateConfig()  # the library's defaults are the node's
REACQUIRE = ReacquireConfig()

DEVICE_PATTERN = re.compile(r"auto|cpu|cuda(:\d+)?")
IMAGE_QOS_CHOICES = ("sensor_data", "reliable")


def parameter_field(default: Any, description: str, *, dynamic: bool = False, low: float | None = None,
                    high: float | None = None, choices: tuple[str, ...] = (),
                    pattern: tuple[re.Pattern[str], str] | None = None) -> Any:
    """A parameters-dataclass field whose metadata holds the ROS descriptor's facts (every node's parameters);
    ``pattern`` is a regular expression a string value must match in full and the words that say what it allows."""
    metadata = {"description": description, "dynamic": dynamic, "range": (low, high), "choices": choices,
                "pattern": pattern}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class NodeParameters:
    """Values of the node's parameters (dynamic ones may change at run time, the rest are read-only)."""

    autostart: bool = parameter_field(True, "configure and activate the node at start (false: stay unconfigured "
                                            "until a lifecycle manager or `ros2 lifecycle set` moves it)")
    checkpoint: str = parameter_field("", "SMAT weights file: official .pth.tar, a state_dict .pth, or .safetensors "
                                          "(empty: the bundled demo weights)")
    device: str = parameter_field("auto", "torch device: auto (CUDA when available), cpu, cuda or cuda:N",
                                  pattern=(DEVICE_PATTERN, "auto, cpu, cuda or cuda:N"))
    backend: str = parameter_field("auto", "inference backend (auto: onnxruntime for fp32 on CPU, openvino for "
                                           "int8/bf16 when installed, torch on CUDA)",
                                   choices=BACKEND_CHOICES)
    precision: str = parameter_field("fp32", "fp32 (exact), fp16 (CUDA), bf16 (CPU: openvino or torch) or int8 (CPU: "
                                             "openvino or onnxruntime)",
                                     choices=PRECISIONS)
    graph: str = parameter_field("auto", "torch graph mode (auto: frozen on CPU, eager on CUDA)", choices=GRAPHS)
    provider: str = parameter_field("auto", "onnxruntime execution provider (auto: follows device)", choices=PROVIDERS)
    threads: int = parameter_field(0, "CPU threads of the backend (0: the runtime's default)", low=0, high=256)
    half: bool = parameter_field(False, "deprecated: use precision fp16 (true here means precision fp16)")
    image_qos: str = parameter_field("sensor_data", "QoS of the image subscription: sensor_data (best effort) or "
                                                    "reliable", choices=IMAGE_QOS_CHOICES)
    use_compressed: bool = parameter_field(False, "subscribe to image/compressed (jpeg/png) instead of image")
    queue_depth: int = parameter_field(5, "depth of the image subscription queue", low=1, high=100)
    lost_score_threshold: float = parameter_field(
        STATES.lost_score_threshold, "a frame scoring below this is low; lost_after_frames low frames in a row: "
        "TRACKING -> LOST (detections empty)", dynamic=True, low=0.0, high=1.0)
    lost_score_ratio: float = parameter_field(
        STATES.lost_score_ratio, "a frame scoring below this times the track's recent median score is low too "
        "(0: off)", dynamic=True, low=0.0, high=2.0)
    lost_after_frames: int = parameter_field(
        STATES.lost_after_frames, "consecutive low frames before TRACKING -> LOST", dynamic=True, low=1, high=1000)
    found_score_threshold: float = parameter_field(
        STATES.found_score_threshold, "a re-acquisition candidate must score at least this on each frame "
        "(>= lost_score_threshold)", dynamic=True, low=0.0, high=1.0)
    found_score_ratio: float = parameter_field(
        STATES.found_score_ratio, "a candidate must start at and average at least this times the track's recent "
        "median score (0: off; >= lost_score_ratio)", dynamic=True, low=0.0, high=2.0)
    found_after_frames: int = parameter_field(
        STATES.found_after_frames, "consecutive frames a candidate must hold before LOST -> TRACKING", dynamic=True,
        low=1, high=1000)
    target_timeout_s: float = parameter_field(
        STATES.target_timeout_s, "LOST for longer than this (image stamps) -> IDLE, reason in last_error (0: never)",
        dynamic=True, low=0.0, high=86400.0)
    reacquire: bool = parameter_field(
        True, "while LOST, search the whole image for the target (tiles at its last and neighbouring scales)",
        dynamic=True)
    reacquire_budget: int = parameter_field(
        REACQUIRE.budget, "extra network runs per LOST frame for the search (1: a LOST frame costs about two steps)",
        dynamic=True, low=0, high=64)
    reacquire_scales: tuple[float, ...] = parameter_field(
        REACQUIRE.scales, "box sizes the search tiles look at, relative to the target's usual size, in the order "
        "they are tried (each in [0.1, 10])", dynamic=True, low=0.1, high=10.0)
    reacquire_tile_step: float = parameter_field(
        REACQUIRE.tile_step, "spacing of the search tiles as a fraction of the search crop's side (smaller: more "
        "overlap, more tiles to cover the image)", dynamic=True, low=0.1, high=1.0)
    max_size_change: float = parameter_field(
        REACQUIRE.max_size_change, "a re-acquisition candidate's width and height must be within this factor of the "
        "target's usual size (the median of its recent boxes)", dynamic=True, low=1.0, high=100.0)
    max_prediction_s: float = parameter_field(
        REACQUIRE.max_prediction_s, "while LOST the window follows the target's last velocity for at most this long "
        "(image stamps), then stays there", dynamic=True, low=0.0, high=3600.0)
    proposal_ratio: float = parameter_field(
        REACQUIRE.proposal_ratio, "a search tile's peak proposes a candidate when it scores at least this times the "
        "track's recent median score (the normal window then checks it)", dynamic=True, low=0.0, high=1.0)
    verify_iou: float = parameter_field(
        REACQUIRE.verify_iou, "a candidate counts only when the network run backwards from it (candidate as the "
        "template, searched for on the first frame) finds the first box with at least this IoU (0: check off)",
        dynamic=True, low=0.0, high=1.0)
    verify_ratio: float = parameter_field(
        REACQUIRE.verify_ratio, "... and scores at least this times the track's recent median score there",
        dynamic=True, low=0.0, high=1.0)
    drift_check_every: int = parameter_field(
        REACQUIRE.drift_check_every, "while TRACKING, run the backward check on the box every this many frames "
        "(0: off; 2 for following a person: each check costs about one network run)", dynamic=True, low=0, high=1000)
    drift_after_checks: int = parameter_field(
        REACQUIRE.drift_after_checks, "failed backward checks in a row before TRACKING -> LOST (the network follows "
        "something else)", dynamic=True, low=1, high=1000)
    appearance_ratio: float = parameter_field(
        REACQUIRE.appearance_ratio, "a candidate's colours (HSV histograms) must be at least this similar to the "
        "first box's, relative to the target's own recent boxes (0: check off)", dynamic=True, low=0.0, high=1.0)
    far_extra_frames: int = parameter_field(
        REACQUIRE.far_extra_frames, "extra frames a candidate proposed by a search tile (away from where the target "
        "is expected) must hold before LOST -> TRACKING", dynamic=True, low=0, high=100)
    distractor_ratio: float = parameter_field(
        REACQUIRE.distractor_ratio, "while TRACKING, other peaks of the score map at least this times the target's "
        "are followed as distractors; while LOST a candidate on one is refused (0: off)", dynamic=True, low=0.0,
        high=1.0)
    distractor_memory_s: float = parameter_field(
        REACQUIRE.distractor_memory_s, "a distractor not seen for this long (image stamps) is forgotten", dynamic=True,
        low=0.0, high=3600.0)
    association_min: float = parameter_field(
        REACQUIRE.association_min, "refuse a LOST-time candidate that the candidate association (where it is against "
        "where the target is expected, its size, colours and score) gives a lower probability of being the target "
        "(0: off; 0.1 for following a person, with camera_motion on a moving camera)", dynamic=True, low=0.0,
        high=1.0)
    association_model: str = parameter_field(
        REACQUIRE.association_model, "the candidate association's JSON file, written by scripts/fit_association.py "
        "(empty: the one fitted with the demo weights)", dynamic=True)
    camera_motion: bool = parameter_field(
        REACQUIRE.camera_motion, "estimate the camera's image shift between frames (phase correlation) and move the "
        "search with it: a jerk of a moving camera (drone, pan-tilt, robot turning) larger than the search window does "
        "not lose the target (needs reacquire; about 2 ms per frame at 768x576)", dynamic=True)
    camera_motion_confidence: float = parameter_field(
        REACQUIRE.camera_motion_confidence, "a camera shift is used only when its phase-correlation peak is at least "
        "this (and it explains the frames better than no shift)", dynamic=True, low=0.0, high=1.0)
    status_rate_hz: float = parameter_field(
        2.0, "~/status heartbeat rate while no frame is processed, with seconds_since_image (0: off)", dynamic=True,
        low=0.0, high=100.0)
    frame_buffer_s: float = parameter_field(
        1.0, "seconds of frames kept so that a target can name an earlier frame by stamp", dynamic=True,
        low=0.0, high=30.0)
    publish_debug_image: bool = parameter_field(
        True, "render ~/debug_image (only while it has a subscriber)", dynamic=True)
    image_timeout_s: float = parameter_field(
        2.0, "/diagnostics warns when no image arrived for this many seconds", dynamic=True, low=0.1, high=3600.0)
    frame_buffer_mb: float = parameter_field(
        256.0, "most MiB of frames kept in the frame buffer (oldest forgotten first; the newest is always kept)",
        dynamic=True, low=1.0, high=65536.0)
    max_stamp_ahead_s: float = parameter_field(
        10.0, "images stamped further ahead of the node clock are rejected (a stamp from the far future)",
        dynamic=True, low=0.0, high=1e9)
    clock_reset_s: float = parameter_field(
        1.0, "an image stamped this much older than the newest frame resets the frame ordering (bag loop, "
             "simulator reset) instead of being rejected as stale", dynamic=True, low=0.0, high=1e9)


FIELDS = {field.name: field for field in dataclasses.fields(NodeParameters)}
DEFAULTS = NodeParameters()
_ROS_TYPES = {bool: ParameterType.PARAMETER_BOOL, int: ParameterType.PARAMETER_INTEGER,
              float: ParameterType.PARAMETER_DOUBLE, str: ParameterType.PARAMETER_STRING,
              tuple: ParameterType.PARAMETER_DOUBLE_ARRAY}


def plain(value: Any) -> Any:
    """A parameter value as a parameters dataclass holds it: a float array (list, array.array) as a tuple."""
    return tuple(value) if isinstance(value, (list, array.array)) else value


def _fields(defaults: Any) -> dict[str, dataclasses.Field]:
    """The fields of a parameters dataclass instance, by name."""
    return FIELDS if defaults is DEFAULTS else {field.name: field for field in dataclasses.fields(defaults)}


def descriptor(name: str, defaults: Any = DEFAULTS, managed: bool = False) -> ParameterDescriptor:
    """The ROS ParameterDescriptor (type, description, range, read-only) of parameter ``name``.

    ``defaults`` is an instance of a parameters dataclass built with these fields (default: the tracker node's).
    ``managed``: a lifecycle node applies the non-dynamic parameters at configure, so they are not read-only (the
    node refuses changes to them unless it is unconfigured).
    """
    field = _fields(defaults)[name]
    kind = type(getattr(defaults, name))
    meta = field.metadata
    text = meta["description"] + (f" (one of: {', '.join(meta['choices'])})" if meta["choices"] else "")
    if managed and not meta["dynamic"]:
        text += " [applied at configure: change it while the node is unconfigured]"
    result = ParameterDescriptor(name=name, type=_ROS_TYPES[kind], description=text,
                                 read_only=not (meta["dynamic"] or managed))
    low, high = meta["range"]
    if low is not None and kind is float:
        result.floating_point_range = [FloatingPointRange(from_value=float(low), to_value=float(high), step=0.0)]
    elif low is not None and kind is int:
        result.integer_range = [IntegerRange(from_value=int(low), to_value=int(high), step=1)]
    return result


def check(name: str, value: Any, defaults: Any = DEFAULTS) -> str | None:
    """Why ``value`` is not acceptable for parameter ``name`` (of ``defaults``' dataclass), or None if it is."""
    fields = _fields(defaults)
    if name not in fields:
        return f"unknown parameter {name!r}"
    kind = type(getattr(defaults, name))
    value = plain(value)
    if type(value) is not kind or (kind is tuple and not all(type(v) is float for v in value)):
        wanted = "a list of floats" if kind is tuple else f"of type {kind.__name__}"
        return f"parameter {name!r} must be {wanted}, got {type(value).__name__} {value!r}"
    meta = fields[name].metadata
    low, high = meta["range"]
    if kind is tuple and (not value or not all(low <= v <= high for v in value)):
        return f"parameter {name!r} must be a non-empty list of values in [{low}, {high}], got {list(value)}"
    if kind is not tuple and low is not None and not low <= value <= high:
        return f"parameter {name!r} must be in [{low}, {high}], got {value}"
    if meta["choices"] and value not in meta["choices"]:
        return f"parameter {name!r} must be one of {', '.join(meta['choices'])}, got {value!r}"
    if meta["pattern"] and not meta["pattern"][0].fullmatch(value):
        return f"parameter {name!r} must be {meta['pattern'][1]}, got {value!r}"
    return None


# node parameter -> field of the library's StateConfig / ReacquireConfig: the one map follow_configs and the node's
# "a follow parameter changed" test both read
STATE_PARAMETERS = {name: name for name in ("lost_score_threshold", "lost_score_ratio", "lost_after_frames",
                                            "found_score_threshold", "found_score_ratio", "found_after_frames",
                                            "target_timeout_s")}
RENAMED = {"reacquire_budget": "budget", "reacquire_scales": "scales", "reacquire_tile_step": "tile_step"}
REACQUIRE_PARAMETERS = {**RENAMED, **{name: name for name in (
    "max_size_change", "max_prediction_s", "proposal_ratio", "verify_iou", "verify_ratio", "drift_check_every",
    "drift_after_checks", "appearance_ratio", "far_extra_frames", "distractor_ratio", "distractor_memory_s",
    "association_min", "association_model", "camera_motion", "camera_motion_confidence")}}
FOLLOW_PARAMETERS = frozenset({*STATE_PARAMETERS, *REACQUIRE_PARAMETERS, "reacquire"})


def follow_configs(params: NodeParameters) -> tuple[StateConfig, ReacquireConfig | bool]:
    """The library's state and re-acquisition settings from the node's parameters; ConfigError if inconsistent."""
    states = StateConfig(**{field: getattr(params, name) for name, field in STATE_PARAMETERS.items()})
    search = ReacquireConfig(**{field: getattr(params, name) for name, field in REACQUIRE_PARAMETERS.items()})
    reacquire = search if params.reacquire else False
    return states, reacquire


def check_together(params: NodeParameters) -> str | None:
    """Why a set of parameter values does not fit together (found threshold below the lost one, an association
    model that cannot be read), or None."""
    try:
        _, reacquire = follow_configs(params)
        configured_association(reacquire if isinstance(reacquire, ReacquireConfig) else None)
    except (ConfigError, DataFileError) as exc:
        return str(exc).replace("StateConfig.", "parameter ").replace("ReacquireConfig.", "parameter ")
    return None


def is_dynamic(name: str) -> bool:
    """Whether parameter ``name`` may change while the node runs."""
    return bool(FIELDS[name].metadata["dynamic"])
