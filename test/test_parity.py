"""Parity with the reference implementation: network outputs (io.npz) and the 60-frame track (track.json)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from smat_ros import Tracker
from smat_ros.checkpoint import check_and_load, load_state_dict
from smat_ros.crop import hann_window
from smat_ros.model import SMAT

CHECKPOINT = Path(__file__).parent / "fixtures" / "smat_reference" / "checkpoint.pth.tar"

IO_TOLERANCE = 1e-4
BOX_TOLERANCE_PX = 0.05


def forward_all(model: SMAT, io: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Every intermediate the reference recorded, computed by our model from the same crops."""
    template = torch.from_numpy(io["template_image"])
    search = torch.from_numpy(io["search_image"])
    with torch.inference_mode():
        out: dict[str, torch.Tensor] = {"template_features": model.backbone.convolutional_features(template)}
        tokens = model.template_features(template)
        x, z = model.backbone(search, tokens)
        out["backbone_search_feat"], out["backbone_template_feat"] = x, z
        out["neck_search_feat"], out["neck_template_feat"] = model.neck.normalize(x, z)
        out["fused_feat"] = model.neck.correlate(out["neck_search_feat"], out["neck_template_feat"])
        out.update(model.track(tokens, search))
    out["hann_window"] = hann_window(model.config.feat_size)
    return out


def max_errors(model: SMAT, io: dict[str, np.ndarray]) -> dict[str, float]:
    """Largest difference per recorded array, relative to the array's magnitude where that exceeds 1.

    fused_feat reaches ~1000, where one fp32 ulp is 6e-5: a CPU kernel that sums in another order (AVX-512 here)
    differs there by a few ulps while everything after it still matches to 1e-7.
    """
    ours = forward_all(model, io)
    return {key: float(np.abs(ours[key].numpy() - io[key]).max() / max(1.0, np.abs(io[key]).max())) for key in ours}


def loaded_model(state_dict: dict[str, torch.Tensor] | None = None) -> SMAT:
    """SMAT in eval mode with the fixture weights (or the given state_dict)."""
    model = SMAT()
    check_and_load(model, state_dict if state_dict is not None else load_state_dict(CHECKPOINT), "fixture")
    return model.eval()


def track_boxes(tracker: Tracker, frames: list[np.ndarray], init_box: list[float]) -> np.ndarray:
    """Boxes of ``tracker`` on ``frames``; the first is the init box."""
    tracker.initialize(frames[0], init_box)
    return np.array([init_box] + [tracker.track(frame).box for frame in frames[1:]])


def test_every_recorded_array_matches(reference_io: dict[str, np.ndarray]) -> None:
    errors = max_errors(loaded_model(), reference_io)
    assert set(errors) == set(reference_io) - {"template_image", "search_image"}
    assert all(error <= IO_TOLERANCE for error in errors.values()), errors


def test_track_reproduces_reference_boxes_and_scores(frames: list[np.ndarray], reference_track: dict) -> None:
    tracker = Tracker(loaded_model(), device="cpu")
    tracker.initialize(frames[0], reference_track["init_box_xywh"])
    for index, frame in enumerate(frames[1:], start=1):
        result = tracker.track(frame)
        np.testing.assert_allclose(result.box, reference_track["boxes_xywh"][index], atol=BOX_TOLERANCE_PX)
        assert result.score == pytest.approx(reference_track["raw_score_at_best"][index], abs=1e-4)


def test_perturbed_weight_breaks_parity(reference_io: dict[str, np.ndarray]) -> None:
    state_dict = load_state_dict(CHECKPOINT)
    key = "backbone.layer4.mixer.stack.blocks.1.attn.qkv.weight"
    state_dict[key] = state_dict[key].clone()
    state_dict[key][0, 0, 0, 0] += 0.05
    errors = max_errors(loaded_model(state_dict), reference_io)
    assert errors["score_map"] > IO_TOLERANCE or errors["size_map"] > IO_TOLERANCE


def test_swapped_key_map_entries_break_parity(
    reference_io: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from smat_ros import checkpoint

    swapped = [
        (pattern, {"neck.bn_search.": "neck.bn_template.", "neck.bn_template.": "neck.bn_search."}.get(repl, repl))
        for pattern, repl in checkpoint.KEY_MAP
    ]
    assert swapped != checkpoint.KEY_MAP
    monkeypatch.setattr(checkpoint, "_COMPILED_KEY_MAP", [(re.compile(p), r) for p, r in swapped])
    errors = max_errors(loaded_model(load_state_dict(CHECKPOINT)), reference_io)
    assert errors["neck_search_feat"] > IO_TOLERANCE and errors["score_map"] > IO_TOLERANCE


def test_wrong_network_moves_the_track(frames: list[np.ndarray], reference_track: dict) -> None:
    state_dict = load_state_dict(CHECKPOINT)
    state_dict["head.size.out.bias"] = state_dict["head.size.out.bias"] + 0.2
    boxes = track_boxes(Tracker(loaded_model(state_dict), device="cpu"), frames[:6], reference_track["init_box_xywh"])
    assert np.abs(boxes[1:] - np.array(reference_track["boxes_xywh"][1:6])).max() > BOX_TOLERANCE_PX
