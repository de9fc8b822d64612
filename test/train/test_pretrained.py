"""ImageNet MobileViTv2 backbone initialisation through the documented key map, on a synthetic classifier file.

The file is built from the reference-format fixture checkpoint (reference parameter names): its ``backbone.*``
entries without the prefix are exactly an ml-cvnets MobileViTv2 classifier's names for layers conv_1..layer_4;
classifier-only entries (conv_1x1_exp, layer_5, classifier) are added with random values.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from smat_ros.checkpoint import read_pickled_checkpoint
from smat_ros.errors import CheckpointError
from smat_ros.model import SMAT
from smat_ros.train.pretrained import classifier_to_backbone_keys, load_pretrained_backbone

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "smat_reference" / "checkpoint.pth.tar"


@pytest.fixture(scope="module")
def classifier_state() -> dict[str, torch.Tensor]:
    """A synthetic ImageNet-classifier state_dict with MobileViTv2 names and values from the fixture."""
    net = read_pickled_checkpoint(FIXTURE)["net"]
    state = {k[len("backbone."):]: v.clone() for k, v in net.items() if k.startswith("backbone.")}
    generator = torch.Generator().manual_seed(0)
    state["conv_1x1_exp.block.conv.weight"] = torch.randn(512, 384, 1, 1, generator=generator)
    state["layer_5.0.block.exp_1x1.block.conv.weight"] = torch.randn(768, 384, 1, 1, generator=generator)
    state["classifier.1.weight"] = torch.randn(1000, 512, generator=generator)
    state["classifier.1.bias"] = torch.zeros(1000)
    return state


def test_key_map_examples(classifier_state: dict[str, torch.Tensor]) -> None:
    """Documented examples: stem, a MobileNet block and an attention projection map to SMAT's names."""
    renamed = classifier_to_backbone_keys(classifier_state)
    model_keys = set(SMAT().state_dict())
    assert "backbone.stem.conv.weight" in renamed
    assert "backbone.layer3.mixer.stack.blocks.0.attn.qkv.weight" in renamed
    assert all(key in model_keys for key in renamed)
    assert not any(k.startswith(("classifier", "conv_1x1_exp", "layer_5")) for k in renamed)


def test_loads_every_backbone_tensor(tmp_path: Path, classifier_state: dict[str, torch.Tensor]) -> None:
    """All backbone parameters and BN buffers take the file's values; neck and head stay as initialised."""
    path = tmp_path / "mobilevitv2-1.0.pt"
    torch.save(classifier_state, path)
    model = SMAT()
    head_before = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("backbone.")}
    count = load_pretrained_backbone(model, path)
    state = model.state_dict()
    backbone_keys = [k for k in state if k.startswith("backbone.")]
    assert count == len(backbone_keys)
    renamed = classifier_to_backbone_keys(classifier_state)
    assert all(torch.equal(state[k], renamed[k]) for k in backbone_keys)
    assert all(torch.equal(state[k], v) for k, v in head_before.items())


def test_missing_backbone_tensor_is_an_error(tmp_path: Path, classifier_state: dict[str, torch.Tensor]) -> None:
    """A file lacking a backbone tensor is rejected with the missing SMAT name in the message."""
    partial = dict(classifier_state)
    del partial["layer_4.1.conv_proj.block.conv.weight"]
    path = tmp_path / "partial.pt"
    torch.save(partial, path)
    with pytest.raises(CheckpointError, match="backbone.layer4.mixer.proj.conv.weight"):
        load_pretrained_backbone(SMAT(), path)


def test_wrong_width_is_an_error(tmp_path: Path, classifier_state: dict[str, torch.Tensor]) -> None:
    """A classifier of another width (shape mismatch) is rejected."""
    wrong = dict(classifier_state)
    wrong["conv_1.block.conv.weight"] = torch.zeros(16, 3, 3, 3)
    path = tmp_path / "wrong.pt"
    torch.save(wrong, path)
    with pytest.raises(CheckpointError, match="shape mismatches"):
        load_pretrained_backbone(SMAT(), path)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    """A path that does not exist is named."""
    with pytest.raises(CheckpointError, match="not found"):
        load_pretrained_backbone(SMAT(), tmp_path / "absent.pt")
