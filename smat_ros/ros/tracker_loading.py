"""The node's tracker from its parameters: the checkpoint (or the demo weights when none is set) on the backend the
parameters name, with its options and the follow-me configs."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smat_ros import Tracker
from smat_ros.backends import BackendOptions
from smat_ros.errors import CheckpointError, SmatError, StartupError
from smat_ros.ros.parameters import NodeParameters, follow_configs
from smat_ros.weights import demo_weights


def load_tracker(params: NodeParameters, warn: Callable[[str], None]) -> tuple[Tracker, str]:
    """The tracker and the checkpoint file it read; StartupError with the reason when it cannot be loaded."""
    checkpoint = params.checkpoint
    if not checkpoint:
        try:
            checkpoint = str(demo_weights("parameter 'checkpoint' is not set (pass -p checkpoint:=FILE for the "
                                          "official SMAT weights)", warn))
        except CheckpointError as exc:
            raise StartupError(str(exc)) from None
    if not Path(checkpoint).is_file():
        raise StartupError(f"checkpoint not found: {checkpoint}")
    try:
        states, reacquire = follow_configs(params)
        tracker = Tracker.from_checkpoint(checkpoint, device=params.device, backend=params.backend,
                                          options=backend_options(params, warn), states=states, reacquire=reacquire)
        return tracker, checkpoint
    except (SmatError, OSError) as exc:
        raise StartupError(f"cannot load the tracker from {checkpoint}: {exc}") from None


def backend_options(params: NodeParameters, warn: Callable[[str], None]) -> BackendOptions:
    """The backend options the parameters ask for (the deprecated ``half`` means precision fp16)."""
    precision = params.precision
    if params.half:
        warn("parameter 'half' is deprecated: use precision:=fp16")
        if precision not in ("fp32", "fp16"):
            raise StartupError(f"parameter 'half' contradicts precision {precision!r}")
        precision = "fp16"
    try:
        return BackendOptions(precision, params.graph, params.provider, params.threads or None)
    except SmatError as exc:
        raise StartupError(str(exc)) from None
