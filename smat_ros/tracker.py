"""The SMAT tracker: crop around the last box, run the network with the cached template, map the peak back.

Frames are HxWx3 uint8 **RGB** numpy arrays (the reference's channel order); boxes are (x, y, w, h) in pixels with
(x, y) the top-left corner (GOT-10k convention).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from smat_ros.backends import Backend, BackendError, BackendOptions, TrackMaps, create_backend
from smat_ros.checkpoint import load_weights
from smat_ros.config import ModelConfig, TrackerConfig, check_crop_sizes
from smat_ros.crop import (
    Box,
    box_centre,
    box_iou,
    clip_box,
    hann_window,
    map_box_back,
    sample_target,
    shift_box,
    validate_box,
    validate_frame,
)
from smat_ros.device import resolve_device
from smat_ros.errors import NetworkOutputError, NotInitializedError
from smat_ros.follow.association import AssociationModel, Candidate, CandidateCues, configured_association
from smat_ros.follow.camera_motion import CameraMotionEstimator, CameraShift
from smat_ros.follow.distractors import DistractorMemory, cell_centre, secondary_peaks
from smat_ros.follow.drift import DriftCheck
from smat_ros.follow.memory import TargetMemory
from smat_ros.follow.reacquire import ReacquireConfig, ReacquisitionSearch, similar_size
from smat_ros.follow.states import StateConfig, StateUpdate, TrackEvent, TrackState, TrackStateMachine
from smat_ros.model import SMAT, decode_boxes

log = logging.getLogger(__name__)

SAME_PLACE_IOU = 0.5  # boxes overlapping this much on consecutive frames are the same thing


@dataclasses.dataclass(frozen=True)
class TrackResult:
    """One tracking step: the box (x, y, w, h) in frame pixels, the network's confidence at its centre, the state.

    With re-acquisition on, ``box`` is the last box where the target was seen while the state is LOST (``visible``
    is False); without it ``box`` is the network's box on every frame, as in the paper's protocol.
    """

    box: Box
    score: float
    state: TrackState = TrackState.TRACKING
    event: TrackEvent = TrackEvent.NONE
    seconds_since_seen: float = 0.0
    reason: str = ""
    searches: int = 0  # extra network runs spent on the re-acquisition search on this frame
    detection: Box | None = None  # LOST: the normal window's box, at the candidate or where the target is expected
    refused: str = ""  # LOST: why that box did not count (score, size, colour, distractor, association, verify, ...)
    proposal: Box | None = None  # LOST: a search tile's peak, proposed as the candidate for the next frames
    candidates: tuple[Candidate, ...] = ()  # LOST: detections that passed the other tests, with the association's cues
    camera_shift: CameraShift = CameraShift()  # the camera's image shift from the last frame (camera_motion on)

    @property
    def visible(self) -> bool:
        """Whether the target is seen on this frame (state TRACKING)."""
        return self.state == TrackState.TRACKING


LEGACY_OPTIONS = ("precision", "graph", "provider", "threads")


def legacy_options(options: BackendOptions | None, half: bool | None, legacy: dict[str, Any]) -> BackendOptions | None:
    """``options`` with the deprecated ``half=`` and loose ``precision=/graph=/provider=/threads=`` folded in."""
    unknown = set(legacy) - set(LEGACY_OPTIONS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    if half is None and not legacy:
        return options
    if options is not None:
        raise BackendError(
            "pass backend settings either in options=BackendOptions(...) or as deprecated keywords, not both")
    given = {key: value for key, value in legacy.items() if value is not None}
    if half is not None:
        warnings.warn("half= is deprecated: use options=BackendOptions(precision='fp16')", DeprecationWarning,
                      stacklevel=3)
        if half and given.get("precision", "fp16") != "fp16":
            raise BackendError(f"half=True contradicts precision={given['precision']!r}")
        if half:
            given["precision"] = "fp16"
    if legacy:
        warnings.warn(f"{', '.join(f'{key}=' for key in legacy)} keyword(s) are deprecated: use "
                      "options=BackendOptions(...)", DeprecationWarning, stacklevel=3)
    return BackendOptions(**given)


def use_association(config: ReacquireConfig | None) -> AssociationModel | None:
    """The candidate association ``config`` asks for, said in the log (a warning without camera motion)."""
    model = configured_association(config)
    if model is not None and config is not None:
        log.info("candidate association: %s, refusing candidates below %.2f",
                 config.association_model or "the one fitted with the demo weights", config.association_min)
        if not config.camera_motion:
            log.warning("the candidate association is on without camera_motion: on a moving camera a jerk moves the "
                        "target far from where it is expected, and the association refuses it there (docs/follow.md)")
    return model


class Tracker:
    """Single-object tracker: crop around the last box, run the backend, decode the peak, map the box back.

    ``backend`` is ``"auto"`` (default: onnxruntime on CPU, torch on CUDA; see :mod:`smat_ros.backends`),
    ``"torch"``, ``"onnxruntime"``, ``"openvino"`` (optional dependency) or a ready
    :class:`~smat_ros.backends.Backend`. ``options`` says how the backend runs
    (:class:`~smat_ros.backends.BackendOptions`: precision, torch graph mode, onnxruntime provider, threads, graph
    cache). The backend chosen is logged at INFO.
    ``states`` sets the IDLE/TRACKING/LOST thresholds (:class:`~smat_ros.follow.states.StateConfig`);
    ``reacquire`` (True or a :class:`~smat_ros.follow.reacquire.ReacquireConfig`) searches the whole image for a
    LOST target; off by default, so that evaluation keeps the paper's protocol.
    """

    def __init__(
        self,
        model: SMAT,
        config: TrackerConfig = TrackerConfig(),
        device: str | torch.device = "auto",
        backend: str | Backend = "auto",
        options: BackendOptions | None = None,
        *,
        half: bool | None = None,
        states: StateConfig = StateConfig(),
        reacquire: bool | ReacquireConfig = False,
        **legacy: Any,
    ) -> None:
        check_crop_sizes(config, model.config)
        options = legacy_options(options, half, legacy)
        self.device = resolve_device(device)
        self.config = config
        model.eval().requires_grad_(False)
        if isinstance(backend, Backend):
            if options is not None:
                raise BackendError("options configure a backend given by name, not an instance")
            self.backend = backend
        else:
            self.backend = create_backend(backend, model, self.device, options or BackendOptions())
        log.info("tracker backend: %s", self.backend.describe())
        self.window = hann_window(model.config.feat_size).to(self.backend.device)
        self._template: object | None = None
        self._box: Box | None = None
        self._states = TrackStateMachine(states)
        search = ReacquireConfig() if reacquire is True else reacquire or None
        self._association = use_association(search)  # the candidate association (association_*)
        self._search = ReacquisitionSearch(search, config.search_factor) if search else None
        self._candidates: list[Candidate] = []  # this LOST frame's candidates for TrackResult.candidates
        self._memory = TargetMemory()  # where the target was last seen, its usual size, motion and colours
        self._drift = DriftCheck()  # TRACKING frames counted for the drift check, its failures, the last verified box
        self._candidate: Box | None = None  # a re-acquisition candidate being confirmed
        self._verify_failed: Box | None = None  # a LOST-time box the backward check refused on the last frame
        self._candidate_far = False  # whether it was found by a tile (away from where the target was expected)
        self._idle_reason = ""  # why a timed-out target was dropped
        self._first_search: tuple[np.ndarray, float, Box] | None = None  # the first frame's search crop, for verify()
        self._frame_shape: tuple[int, ...] = ()  # of the last frame seen, to plan a search after a reconfigure
        self._camera: CameraMotionEstimator | None = None  # the camera's image shift (ReacquireConfig.camera_motion)
        self._configure_camera()
        self._distractors = DistractorMemory()  # other peaks seen near the target (ReacquireConfig.distractor_*)

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        device: str | torch.device = "auto",
        *,
        config: TrackerConfig = TrackerConfig(),
        model_config: ModelConfig = ModelConfig(),
        backend: str = "auto",
        options: BackendOptions | None = None,
        half: bool | None = None,
        states: StateConfig = StateConfig(),
        reacquire: bool | ReacquireConfig = False,
        **legacy: Any,
    ) -> Tracker:
        """Tracker with weights from an official .pth.tar, a state_dict file or safetensors."""
        model = SMAT(model_config)
        load_weights(model, path)
        log.info("loaded SMAT weights from %s", path)
        return cls(model, config, device=device, backend=backend, options=legacy_options(options, half, legacy),
                   states=states, reacquire=reacquire)

    @property
    def initialized(self) -> bool:
        """Whether a target is set."""
        return self._template is not None

    @property
    def box(self) -> Box | None:
        """The current target box (x, y, w, h), or None before initialization."""
        return self._box

    @box.setter
    def box(self, box: Sequence[float]) -> None:
        """Move the next search region to ``box`` (x, y, w, h) and keep the template (e.g. to replay a given track)."""
        if self._template is None:
            raise NotInitializedError("box set before initialize(): set a target first")
        self._box = validate_box(box, (sys.maxsize, sys.maxsize))  # no frame here: finite, non-empty

    @property
    def state(self) -> TrackState:
        """IDLE (no target), TRACKING or LOST."""
        return self._states.state

    @property
    def reacquire(self) -> bool:
        """Whether a LOST target is searched for over the whole image."""
        return self._search is not None

    @property
    def camera_motion(self) -> bool:
        """Whether each frame's camera image shift is estimated (ReacquireConfig.camera_motion, with reacquire)."""
        return self._camera is not None

    def configure_follow(self, states: StateConfig | None = None,
                         reacquire: bool | ReacquireConfig | None = None) -> None:
        """Change the state thresholds and/or the re-acquisition search (None: unchanged); the track goes on.

        An association model that cannot be read raises DataFileError and changes nothing.
        """
        search = ReacquireConfig() if reacquire is True else reacquire or None
        association = use_association(search) if reacquire is not None else self._association
        if states is not None:
            self._states.reconfigure(states)
        if reacquire is not None:
            self._association = association
            self._search = ReacquisitionSearch(search, self.config.search_factor) if search else None
            if self._search and self._states.state == TrackState.LOST and self._memory.box and self._frame_shape:
                self._box = self._memory.box
                self._search.start(self._frame_shape, (0.0, 0.0, *self._memory.usual_size()))
            self._candidate = None
            self._configure_camera()

    def _configure_camera(self) -> None:
        """Start, retune or stop the camera-motion estimate as the re-acquisition settings say."""
        config = self._search.config if self._search is not None else None
        if config is None or not config.camera_motion:
            self._camera = None
        elif self._camera is None:
            self._camera = CameraMotionEstimator(config.camera_motion_confidence)
        else:
            self._camera.min_confidence = config.camera_motion_confidence

    def reset(self) -> None:
        """Forget the target."""
        self._template = self._first_search = None
        self._box = None
        self._memory.box = self._candidate = None
        self._idle_reason = ""
        self._states.clear()
        self._distractors.clear()

    def initialize(self, frame: np.ndarray, box: Sequence[float], stamp: float | None = None) -> None:
        """Set the target: ``box`` (x, y, w, h) in pixels on ``frame`` (HxWx3 uint8 RGB); caches template features.

        ``stamp`` is the frame's time in seconds (default: the monotonic clock), as for :meth:`track`.
        """
        frame = validate_frame(frame)
        target = validate_box(box, frame.shape)
        crop, _ = sample_target(frame, target, self.config.template_factor, self.config.template_size)
        self._template = self.backend.template_features(crop)
        search, resize_factor = sample_target(frame, target, self.config.search_factor, self.config.search_size)
        self._first_search = (search, resize_factor, target)
        self._box = target
        self._candidate = None
        self._idle_reason = ""
        stamp_s = time.monotonic() if stamp is None else float(stamp)
        self._states.start(stamp_s)
        self._memory.start(frame, target, stamp_s, colours=self._search is not None)
        self._drift.restart(target, stamp_s)
        self._distractors.clear()
        if self._camera is not None:
            self._camera.reset()
            self._camera.update(frame)

    def locate(self, frame: np.ndarray, box: Box, window: bool = True) -> tuple[Box, float]:
        """Run the network on the search crop around ``box`` (at its scale): the unclipped frame box and its score.

        ``window`` weighs the score map with the Hann window (small motion preferred), as a tracking step does;
        the re-acquisition search runs without it. The tracker's state is not changed.
        """
        if self._template is None:
            raise NotInitializedError("locate() called before initialize(): set a target first")
        maps, resize_factor = self._search_maps(frame, box)
        return self._decode(maps, resize_factor, box, window)

    def _search_maps(self, frame: np.ndarray, box: Box) -> tuple[TrackMaps, float]:
        """The network's maps for the search crop around ``box`` with the cached template, and the crop's resize
        factor."""
        crop, resize_factor = sample_target(frame, box, self.config.search_factor, self.config.search_size)
        return self.backend.track(self._template, crop), resize_factor

    def verify(self, frame: np.ndarray, box: Sequence[float]) -> tuple[float, float]:
        """The network run backwards: ``box`` on ``frame`` as the template, searched for around the first target box.

        Returns the score at the peak and the IoU of the peak's box with the first box: the target itself peaks on
        its first box, a stranger that merely scores well forwards seldom does. The tracker's state is not changed.
        """
        if self._first_search is None:
            raise NotInitializedError("verify() called before initialize(): set a target first")
        frame = validate_frame(frame)
        target = validate_box(box, frame.shape)
        crop, _ = sample_target(frame, target, self.config.template_factor, self.config.template_size)
        search, resize_factor, first = self._first_search
        maps = self.backend.track(self.backend.template_features(crop), search)
        peak, score = self._decode(maps, resize_factor, first, True)
        return score, box_iou(peak, first)

    def _decode(self, maps: TrackMaps, resize_factor: float, box: Box, window: bool) -> tuple[Box, float]:
        """The peak of the network's maps for a search crop taken around ``box``: the frame box and its score."""
        size = self.config.search_size
        weighted = self.window * maps.score_map if window else maps.score_map
        boxes, _, index = decode_boxes(weighted, maps.size_map, maps.offset_map)
        box_in_crop = (boxes[0] * size / resize_factor).tolist()  # (cx, cy, w, h) in frame pixels
        score = float(maps.score_map.flatten()[index[0]])
        predicted = map_box_back(box_in_crop, box, size, resize_factor)
        if not all(np.isfinite(predicted)):
            raise NetworkOutputError("the network produced a non-finite box (corrupt weights?); target kept")
        return predicted, score

    def track(self, frame: np.ndarray, stamp: float | None = None) -> TrackResult:
        """Locate the target in ``frame`` (HxWx3 uint8 RGB) and return its box, score and state.

        ``stamp`` is the frame's time in seconds (default: the monotonic clock); the LOST timeout and
        ``seconds_since_seen`` use it. After a timeout the result is IDLE until a new :meth:`initialize`.
        """
        if self._template is None or self._box is None:
            if self._idle_reason:
                validate_frame(frame)
                return TrackResult(self._memory.box or (0.0, 0.0, 0.0, 0.0), 0.0, TrackState.IDLE,
                                   reason=self._idle_reason)
            raise NotInitializedError("track() called before initialize(): set a target first")
        frame = validate_frame(frame)
        self._frame_shape = frame.shape
        stamp_s = time.monotonic() if stamp is None else float(stamp)
        shift = self._follow_camera(frame)
        if self._search is not None and self._states.state == TrackState.LOST:
            return self._track_lost(frame, stamp_s, shift)
        around = self._box
        maps, resize_factor = self._search_maps(frame, around)
        predicted, score = self._decode(maps, resize_factor, around, True)
        self._box = self._clip(predicted, frame)
        seen = not self._states.is_low(score)
        update = self._states.update(score, stamp_s)
        if update.state == TrackState.TRACKING and seen:
            self._see(frame, self._box, stamp_s)
        checks = 0
        if update.state == TrackState.TRACKING and self._search is not None:
            update, checks = self._check_drift(frame, stamp_s, update)
        if update.state == TrackState.TRACKING and self._search is not None:
            self._remember_distractors(maps, around, resize_factor, stamp_s)
        if update.event == TrackEvent.LOST and self._search is not None:
            self._box = self._memory.box
            self._candidate = None
            self._search.start(frame.shape, self._expected_box(frame, stamp_s))
        return self._result(score, update, shift, checks)

    def _remember_distractors(self, maps: TrackMaps, around: Box, resize_factor: float, stamp_s: float) -> None:
        """Record the other peaks of a TRACKING step's score map (crop taken around ``around``) as distractors."""
        assert self._search is not None
        config = self._search.config
        if config.distractor_ratio <= 0:
            return
        scores = maps.score_map[0, 0].float().cpu().numpy()  # [1, 1, F, F] -> [F, F]
        offsets = maps.offset_map[0].float().cpu().numpy()  # [1, 2, F, F] -> [2, F, F]
        centres = [cell_centre(row, col, offsets, around, self.config.search_size, resize_factor)
                   for row, col, _ in secondary_peaks(scores, config.distractor_ratio)]
        self._distractors.update(centres, stamp_s, self._memory.size(), config.distractor_memory_s)

    def _follow_camera(self, frame: np.ndarray) -> CameraShift:
        """With camera_motion on: the camera's image shift since the last frame, the track moved by it if believed."""
        if self._camera is None:
            return CameraShift()
        shift = self._camera.update(frame)
        if shift.accepted:
            self._move_track(frame, shift.dx, shift.dy)
        return shift

    def _move_track(self, frame: np.ndarray, dx: float, dy: float) -> None:
        """Move every box of the track on the image by (dx, dy) (the camera moved), keeping their centres on it."""

        def moved(box: Box | None) -> Box | None:
            """``box`` shifted (None stays None)."""
            return shift_box(box, dx, dy, frame.shape) if box is not None else None

        self._box = moved(self._box)
        self._candidate = moved(self._candidate)
        self._verify_failed = moved(self._verify_failed)
        self._drift.shift(dx, dy, frame.shape)
        self._memory.shift(dx, dy, frame.shape)
        self._distractors.shift(dx, dy)

    def _check_drift(self, frame: np.ndarray, stamp_s: float, update: StateUpdate) -> tuple[StateUpdate, int]:
        """Every ``drift_check_every`` TRACKING frames, :meth:`verify` the box; LOST after ``drift_after_checks``
        failures in a row (the network follows something else), back to the last verified box. Network runs spent."""
        assert self._search is not None and self._box is not None
        config = self._search.config
        if not self._drift.due(config.drift_check_every):
            return update, 0
        if self._verified(frame, self._box):
            self._drift.passed(self._box, stamp_s)
            return update, 1
        if not self._drift.failed(config.drift_after_checks):
            return update, 1
        box, seen_s = self._drift.verified
        self._memory.roll_back(box, seen_s)
        return self._states.lose(stamp_s, seen_s, f"the backward check failed {self._drift.failures} times in a "
                                 "row: the box is on something else"), 1

    def _track_lost(self, frame: np.ndarray, stamp_s: float, shift: CameraShift) -> TrackResult:
        """One LOST frame: the normal window at the candidate (or where the target is expected), then search tiles.

        A detection in the normal window counts towards re-acquisition when it passes the score, size and colour
        tests and the network run backwards finds the first box from it (:meth:`verify`). Otherwise the search tiles
        of this frame's budget (less one when :meth:`verify` ran) may *propose* a candidate: the best tile peak that
        is not low, of a similar size and colour. A proposal's tile score does not count: the normal window centred
        on it must confirm it on the next frames, at the scores a tracking step gives.
        """
        assert self._search is not None and self._memory.box is not None
        config = self._search.config
        expected = self._expected_box(frame, stamp_s)
        confirming = self._candidate is not None
        predicted, score = self.locate(frame, self._candidate or expected)
        box = self._clip(predicted, frame)
        runs, counted = 0, None
        self._candidates = []
        refused = self._refusal(frame, box, score, self._states.accepts(score, not confirming), True, expected,
                                stamp_s)
        if not refused and config.verify_iou > 0:
            if self._verify_failed is not None and box_iou(box, self._verify_failed) >= SAME_PLACE_IOU:
                refused, self._verify_failed = "verify (last frame)", None  # failed there last frame: tiles' turn
            else:
                runs += 1
                refused = "" if self._verified(frame, box) else "verify"
                self._verify_failed = box if refused else None
        if refused:
            self._candidate, self._candidate_far = None, False
        else:
            counted, self._candidate = score, box
        proposal: tuple[Box, float] | None = None
        if counted is None:
            for tile in self._search.next_tiles(frame.shape, expected, config.budget - runs):
                tile_box, tile_score = self.locate(frame, tile, window=False)
                runs += 1
                tile_box = self._clip(tile_box, frame)
                if ((proposal is None or tile_score > proposal[1])
                        and not self._refusal(frame, tile_box, tile_score, self._proposes(tile_score), False,
                                              expected, stamp_s)):
                    proposal = (tile_box, tile_score)
        extra = config.far_extra_frames if self._candidate_far else 0
        update = self._states.update(counted, stamp_s, not confirming, extra)
        if update.event == TrackEvent.REACQUIRED:
            self._box = box
            self._memory.found_again(frame, box, stamp_s, colours=True)
            self._drift.restart(box, stamp_s)
            self._candidate, self._candidate_far = None, False
        elif proposal is not None:
            self._candidate, self._candidate_far = proposal[0], True
        return self._result(score if proposal is None else proposal[1], update, shift, runs, detection=box,
                            refused=refused, proposal=proposal[0] if proposal else None,
                            candidates=tuple(self._candidates))

    def _see(self, frame: np.ndarray, box: Box, stamp_s: float) -> None:
        """Remember ``box`` as where the target was seen on ``frame`` at ``stamp_s`` (its colours with
        re-acquisition on)."""
        self._memory.see(frame, box, stamp_s, colours=self._search is not None)

    def _expected_box(self, frame: np.ndarray, stamp_s: float) -> Box:
        """A box of the target's usual size where its velocity takes it by ``stamp_s`` (capped), inside the frame."""
        assert self._search is not None and self._memory.box is not None
        return self._memory.expected_box(frame.shape, stamp_s, self._search.config.max_prediction_s)

    def _refusal(self, frame: np.ndarray, box: Box, score: float, score_ok: bool, window: bool, expected: Box,
                 stamp_s: float) -> str:
        """Why a LOST-time detection (``score``; found by the normal window or a tile) is not the target ("score",
        "size", "colour", "distractor", "association"; "" when it may be), the target being expected at ``expected``
        at ``stamp_s``. One that reaches the association is recorded, with its cues, for this frame's TrackResult."""
        assert self._search is not None
        config = self._search.config
        if not score_ok:
            return "score"
        if not similar_size(box, (0.0, 0.0, *self._memory.usual_size()), config.max_size_change):
            return "size"
        colour = self._memory.appearance.relative_similarity(frame, box)
        if not self._memory.appearance.accepts(colour, config.appearance_ratio):
            return "colour"
        if config.distractor_ratio > 0 and self._distractors.refuses(
                box_centre(box), box_centre(expected), stamp_s, self._memory.size(), config.distractor_memory_s):
            return "distractor"
        cues = self._cues(box, score, window, colour, expected, stamp_s)
        probability = self._association.probability(cues) if self._association is not None else None
        self._candidates.append(Candidate(box, cues, probability))
        return "association" if probability is not None and probability < config.association_min else ""

    def _cues(self, box: Box, score: float, window: bool, colour: float | None, expected: Box,
              stamp_s: float) -> CandidateCues:
        """The association's cues of a LOST-time detection, relative to the track."""
        reference = self._states.reference_score or self._states.found_threshold()
        size = self._memory.size()
        return CandidateCues(
            score=score / max(reference, 1e-6), window=window,
            distance=math.dist(box_centre(box), box_centre(expected)) / size,
            seconds=max(stamp_s - self._memory.motion.stamp_s, 0.0),
            size=abs(math.log(max(math.sqrt(box[2] * box[3]), 1e-6) / size)),
            colour=colour or 0.0)

    def _proposes(self, score: float) -> bool:
        """Whether a search tile's peak score is high enough to propose a candidate for the normal window to check."""
        assert self._search is not None
        reference = self._states.reference_score
        return score >= (self._search.config.proposal_ratio * reference if reference is not None
                         else self._states.lost_threshold())

    def _verified(self, frame: np.ndarray, box: Box) -> bool:
        """Whether the network run backwards from ``box`` finds the first box well enough (see :meth:`verify`)."""
        assert self._search is not None
        config = self._search.config
        score, overlap = self.verify(frame, box)
        reference = self._states.reference_score
        threshold = config.verify_ratio * reference if reference is not None else self._states.lost_threshold()
        return overlap >= config.verify_iou and score >= threshold

    def _clip(self, box: Box, frame: np.ndarray) -> Box:
        """``box`` clipped to the frame with the configured margin."""
        return clip_box(box, frame.shape[0], frame.shape[1], margin=self.config.clip_margin)

    def _result(self, score: float, update: StateUpdate, shift: CameraShift, searches: int = 0, *,
                detection: Box | None = None, refused: str = "", proposal: Box | None = None,
                candidates: tuple[Candidate, ...] = ()) -> TrackResult:
        """The TrackResult of a frame from its score, state update and camera shift, with a LOST frame's detection,
        refusal, proposal and candidates (a timed-out target is dropped here)."""
        if update.event == TrackEvent.TIMED_OUT:
            log.warning("%s", update.reason)
            self._template = None
            self._idle_reason = update.reason
        box = self._box if self._box is not None else self._memory.box
        return TrackResult(cast(Box, box), score, update.state, update.event, update.seconds_since_seen, update.reason,
                           searches, detection=detection, refused=refused, proposal=proposal,
                           candidates=candidates, camera_shift=shift)
