"""Training checkpoints: full state for bit-exact resume (``.pth.tar``) and the weights alone (``.safetensors``).

``checkpoints/checkpoint_ep0010.pth.tar`` is a ``torch.save`` dict with ``net`` (the SMAT state_dict, our
parameter names: :func:`smat_ros.checkpoint.load_state_dict` and ``Tracker.from_checkpoint`` read it),
``optimizer``, ``scheduler``, ``scaler``, ``rng`` (torch CPU/CUDA generator states), ``epoch``, ``step``,
``config`` (the TrainConfig as a dict) and ``metadata``. ``checkpoints/smat_ep0010.safetensors`` holds the
weights with string metadata (format, epoch, step, model config as JSON).
"""
from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch

from smat_ros.checkpoint import save_safetensors
from smat_ros.config import to_dict
from smat_ros.errors import CheckpointError
from smat_ros.train.config import TrainConfig

CHECKPOINT_PATTERN = re.compile(r"^checkpoint_ep(\d{4,})\.pth\.tar$")
FORMAT = "smat_ros-train/1"


def checkpoint_path(folder: Path, epoch: int) -> Path:
    """Path of the full training checkpoint of ``epoch``."""
    return folder / f"checkpoint_ep{epoch:04d}.pth.tar"


def weights_path(folder: Path, epoch: int) -> Path:
    """Path of the safetensors weights of ``epoch``."""
    return folder / f"smat_ep{epoch:04d}.safetensors"


def latest_checkpoint(folder: Path) -> Path | None:
    """The full checkpoint with the highest epoch in ``folder``, or None."""
    if not folder.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := CHECKPOINT_PATTERN.match(p.name))]
    return max(found)[1] if found else None


def rng_state() -> dict[str, Any]:
    """Torch generator states (CPU and every CUDA device)."""
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Set the generators back to a state from :func:`rng_state`."""
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def weights_metadata(config: TrainConfig, epoch: int, step: int) -> dict[str, str]:
    """String metadata stored with the safetensors weights."""
    return {"format": "smat_ros", "producer": "smat-train", "epoch": str(epoch), "step": str(step),
            "model_config": json.dumps(to_dict(config.model))}


def _atomic_save(obj: Any, path: Path) -> None:
    """torch.save to a temporary file, then rename (a crash never leaves a half-written checkpoint)."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def save_training_checkpoint(folder: Path, config: TrainConfig, net: torch.nn.Module,
                             optimizer: torch.optim.Optimizer, scheduler: Any, scaler: Any, epoch: int,
                             step: int) -> Path:
    """Write the full checkpoint and the safetensors weights of ``epoch``; returns the checkpoint path."""
    folder.mkdir(parents=True, exist_ok=True)
    state_dict = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    path = checkpoint_path(folder, epoch)
    _atomic_save({
        "net": state_dict,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "rng": rng_state(),
        "epoch": epoch,
        "step": step,
        "config": to_dict(config),
        "metadata": {"format": FORMAT, "net_type": "SMAT"},
    }, path)
    tmp = weights_path(folder, epoch).with_suffix(".tmp")
    save_safetensors(state_dict, tmp, metadata=weights_metadata(config, epoch, step))
    os.replace(tmp, weights_path(folder, epoch))
    return path


def load_training_checkpoint(path: Path) -> dict[str, Any]:
    """Read a full checkpoint written by :func:`save_training_checkpoint` (tensors and plain data only)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
        raise CheckpointError(f"cannot read training checkpoint {path}: {exc}") from None
    if not isinstance(state, dict) or state.get("metadata", {}).get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a smat-train checkpoint (no '{FORMAT}' metadata)")
    return state
