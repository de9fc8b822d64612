"""Checkpoint loading: official format, restricted unpickling, strict key map, corrupt files, conversion."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch

from smat_ros.checkpoint import (
    Opaque,
    check_and_load,
    convert,
    load_state_dict,
    map_reference_key,
    read_pickled_checkpoint,
    save_safetensors,
)
from smat_ros.config import ModelConfig
from smat_ros.errors import CheckpointError
from smat_ros.model import SMAT


class RunsCommand:
    """Pickles as a call to os.system: loading it with plain pickle would run the command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple:
        return (os.system, (self.command,))


def test_official_format_loads_only_through_our_loader(checkpoint_path: Path) -> None:
    with pytest.raises(pickle.UnpicklingError):
        torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    raw = read_pickled_checkpoint(checkpoint_path)
    assert isinstance(raw["settings"], Opaque)
    assert "lib.train.admin.settings.Settings" in repr(raw["settings"])
    state_dict = load_state_dict(checkpoint_path)
    assert len(state_dict) == 371
    assert sum(v.numel() for k, v in state_dict.items() if "num_batches" not in k and "running" not in k) == 3767409


def test_key_map_is_a_bijection_onto_the_model(checkpoint_path: Path) -> None:
    reference_keys = read_pickled_checkpoint(checkpoint_path)["net"].keys()
    mapped = [map_reference_key(key) for key in reference_keys]
    assert len(set(mapped)) == len(mapped)
    assert set(mapped) == set(SMAT().state_dict())
    assert map_reference_key("neck.BN_x.weight") == "neck.bn_search.weight"
    assert map_reference_key("box_head.global_rep_reg.4.bias") == "head.reg.stack.norm.bias"


def test_code_in_a_checkpoint_never_runs(tmp_path: Path, checkpoint_path: Path) -> None:
    marker = tmp_path / "pwned"
    state_dict = load_state_dict(checkpoint_path)
    evil = tmp_path / "evil.pth.tar"
    torch.save({"net": state_dict, "payload": RunsCommand(f"touch {marker}")}, evil)
    loaded = load_state_dict(evil)
    assert not marker.exists()
    assert set(loaded) == set(state_dict)

    evil_net = tmp_path / "evil_net.pth"
    torch.save({"net": RunsCommand(f"touch {marker}")}, evil_net)
    with pytest.raises(CheckpointError, match=r"evil_net.pth: state_dict entries that are not tensors: \['net'\]"):
        load_state_dict(evil_net)  # the payload became an inert placeholder, refused as a non-tensor
    assert not marker.exists()


def test_plain_state_dicts_in_both_namings_and_safetensors(tmp_path: Path, checkpoint_path: Path) -> None:
    ours = load_state_dict(checkpoint_path)
    reference = read_pickled_checkpoint(checkpoint_path)["net"]
    torch.save(reference, tmp_path / "reference.pth")
    torch.save(ours, tmp_path / "ours.pth")
    save_safetensors(ours, tmp_path / "ours.safetensors")
    for name in ("reference.pth", "ours.pth", "ours.safetensors"):
        loaded = load_state_dict(tmp_path / name)
        assert set(loaded) == set(ours)
        assert all(torch.equal(loaded[key], ours[key]) for key in ours)


def test_convert_writes_loadable_safetensors(tmp_path: Path, checkpoint_path: Path) -> None:
    out = tmp_path / "smat.safetensors"
    assert convert(checkpoint_path, out) == 371
    model = SMAT()
    check_and_load(model, load_state_dict(out), str(out))
    expected = load_state_dict(checkpoint_path)
    assert all(torch.equal(model.state_dict()[key], expected[key]) for key in expected)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not found"),
        (b"", "neither a torch.save archive nor a valid safetensors"),
        (b"\x00garbage" * 100, "neither a torch.save archive nor a valid safetensors"),
        ("truncated", "not a torch.save zip archive"),
    ],
)
def test_unreadable_files_raise_clear_errors(
    tmp_path: Path, checkpoint_path: Path, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "bad.pth.tar"
    if content == "truncated":
        data = checkpoint_path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        load_state_dict(path)


def test_corrupt_storage_is_reported(tmp_path: Path, checkpoint_path: Path) -> None:
    import zipfile

    path = tmp_path / "corrupt.pth.tar"
    with zipfile.ZipFile(checkpoint_path) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[:4] if item.filename.endswith("/data/0") else data)
    with pytest.raises(CheckpointError, match="storage 0 holds"):
        load_state_dict(path)


def test_wrong_architecture_lists_every_mismatch(checkpoint_path: Path) -> None:
    state_dict = load_state_dict(checkpoint_path)
    del state_dict["head.ctr.out.bias"]
    state_dict["extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError) as info:
        check_and_load(SMAT(ModelConfig(width_multiplier=0.75)), state_dict, "ckpt")
    text = str(info.value)
    assert "missing keys" in text and "head.ctr.out.bias" in text
    assert "unexpected keys" in text and "extra.weight" in text
    assert "shape mismatches" in text and "backbone.stem.conv.weight" in text
