"""The colour check of re-acquisition candidates: the person matches himself later, others and black do not."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from smat_ros.follow.appearance import AppearanceModel, colour_signature, similarity
from smat_ros.video import list_images, read_image

ROOT = Path(__file__).resolve().parents[2]
PERSON = {0: (639, 240, 46, 81), 10: (547, 236, 34, 88), 20: (442, 231, 32, 82)}  # the vtest person (hand-checked)


def test_signatures_are_normalized_and_off_frame_boxes_have_none() -> None:
    frame = np.full((50, 60, 3), 128, np.uint8)
    signature = colour_signature(frame, (10, 10, 20, 20))
    assert signature is not None and np.isclose(signature.sum(), 2.0)
    assert similarity(signature, signature) == 1.0
    assert colour_signature(frame, (100, 100, 10, 10)) is None


def test_the_person_is_more_like_himself_than_other_places() -> None:
    frames = [read_image(p) for p in list_images(ROOT / "test/fixtures/vtest_person/img")[:21]]
    model = AppearanceModel()
    model.start(frames[0], PERSON[0])
    model.observe(frames[10], PERSON[10], 1.0)
    assert model.accepts(model.relative_similarity(frames[20], PERSON[20]), 0.9)
    others = [(197, 220, 34, 95), (256, 334, 34, 88), (63, 200, 41, 102), (420, 22, 60, 89)]
    assert sum(model.accepts(model.relative_similarity(frames[20], box), 0.9) for box in others) == 0
    black = model.relative_similarity(np.zeros_like(frames[20]), PERSON[20])
    assert not model.accepts(black, 0.9)  # blacked out
    assert model.accepts(black, 0.0)  # the check is off
