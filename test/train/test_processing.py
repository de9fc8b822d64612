"""Crops, jitter and flips of training pairs: the box always lands on the object in the crop."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from smat_ros.train.augment import flip_box_pixels, jitter_box
from smat_ros.train.config import AugmentConfig, DataConfig
from smat_ros.train.processing import PairProcessing, box_in_crop

NO_AUGMENT = AugmentConfig(joint_grayscale_probability=0.0, joint_flip_probability=0.0, brightness_jitter=0.0,
                           crop_flip_probability=0.0)


def scene(box: tuple[int, int, int, int], size: tuple[int, int] = (240, 320)) -> np.ndarray:
    """Dark frame with a bright, left-right asymmetric (red left half, green right half) object at ``box``."""
    frame = np.full((*size, 3), 20, dtype=np.uint8)
    x, y, w, h = box
    frame[y:y + h, x:x + w // 2] = (250, 30, 30)
    frame[y:y + h, x + w // 2:x + w] = (30, 250, 30)
    return frame


def run(data: DataConfig, frame: np.ndarray, box: tuple[int, ...], seed: int = 0) -> dict:
    """Process one pair whose template and search are the same frame."""
    b = np.asarray(box, dtype=np.float64)
    return PairProcessing(data)([frame], [b], [frame], [b], np.random.default_rng(seed))


def test_box_in_crop_centres_the_cropped_box() -> None:
    """Cropping around the box itself puts it at the crop centre with size box*resize/side."""
    box = np.array([100.0, 50.0, 32.0, 32.0])
    mapped = box_in_crop(box, box, resize_factor=2.0, output_size=128)
    assert np.allclose(mapped, [(63.5 - 32) / 128, (63.5 - 32) / 128, 0.5, 0.5])


def test_jitter_box_without_jitter_is_identity_and_with_jitter_bounded() -> None:
    """Zero jitter keeps the box; centre jitter 3 moves the centre by at most 1.5 sqrt-areas."""
    rng = np.random.default_rng(0)
    box = np.array([50.0, 60.0, 20.0, 45.0])
    assert np.allclose(jitter_box(box, 0.0, 0.0, rng), box)
    for _ in range(200):
        jittered = jitter_box(box, 3.0, 0.0, rng)
        shift = jittered[:2] + jittered[2:] / 2 - (box[:2] + box[2:] / 2)
        assert np.all(np.abs(shift) <= 1.5 * np.sqrt(20 * 45) + 1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_search_box_lies_on_the_object(seed: int) -> None:
    """With the reference jitter, the object's bright pixels fill the returned box (and not its surroundings)."""
    box = (150, 90, 40, 60)
    sample = run(dataclasses.replace(DataConfig(), augment=NO_AUGMENT), scene(box), box, seed)
    search = sample["search"].numpy()  # 3 x 256 x 256 in [0, 1]
    x, y, w, h = (sample["search_box"].numpy() * 256).round().astype(int)
    inner = search[:, y + 2:y + h - 2, x + 2:x + w - 2].max(axis=0)
    assert inner.mean() > 0.9
    ring = search[:, max(y - 6, 0):y + h + 6, max(x - 6, 0):x + w + 6].max(axis=0)
    assert (ring > 0.5).sum() < (w + 1) * (h + 1) * 1.1
    assert sample["template"].shape == (3, 128, 128)


def test_template_crop_is_centred_and_unjittered() -> None:
    """Template: factor 2, no jitter -> the object fills the central half of the 128 crop."""
    box = (150, 90, 40, 40)
    template = run(dataclasses.replace(DataConfig(), augment=NO_AUGMENT), scene(box), box)["template"].numpy()
    bright = template.max(axis=0) > 0.5
    ys, xs = np.nonzero(bright)
    assert abs(xs.min() - 32) <= 1 and abs(xs.max() - 95) <= 1 and abs(ys.min() - 32) <= 1


def test_joint_flip_mirrors_frames_and_boxes() -> None:
    """Joint flip: the red half of the object moves to the right side inside the box."""
    box = (150, 90, 40, 60)
    flip = dataclasses.replace(NO_AUGMENT, joint_flip_probability=1.0)
    sample = run(dataclasses.replace(DataConfig(), augment=flip), scene(box), box, 3)
    x, y, w, h = (sample["search_box"].numpy() * 256).round().astype(int)
    red = sample["search"].numpy()[0, y + h // 2, x + 2:x + w - 2]
    assert red[-3:].mean() > 0.9 and red[:3].mean() < 0.2
    assert np.allclose(flip_box_pixels(np.array(box, float), 320), [320 - 1 - 190, 90, 40, 60])


def test_crop_flip_mirrors_the_crop_and_its_box_exactly() -> None:
    """Per-crop flip (same random draws otherwise): image reversed along x and box x -> 1 - x - w."""
    box = (150, 90, 40, 60)
    plain = run(dataclasses.replace(DataConfig(), augment=NO_AUGMENT), scene(box), box, 4)
    flipped_cfg = dataclasses.replace(NO_AUGMENT, crop_flip_probability=1.0)
    flipped = run(dataclasses.replace(DataConfig(), augment=flipped_cfg), scene(box), box, 4)
    assert np.array_equal(flipped["search"].numpy(), plain["search"].numpy()[:, :, ::-1])
    px, py, pw, ph = plain["search_box"].numpy()
    assert np.allclose(flipped["search_box"].numpy(), [1 - px - pw, py, pw, ph], atol=1e-6)


def test_grayscale_and_brightness() -> None:
    """Joint grayscale gives equal channels; brightness scales intensities by a factor in [0.8, 1.2]."""
    box = (150, 90, 40, 60)
    gray = dataclasses.replace(NO_AUGMENT, joint_grayscale_probability=1.0)
    sample = run(dataclasses.replace(DataConfig(), augment=gray), scene(box), box)
    assert np.array_equal(sample["search"][0], sample["search"][1])
    plain = run(dataclasses.replace(DataConfig(), augment=NO_AUGMENT), scene(box), box, 5)
    bright = run(dataclasses.replace(DataConfig(), augment=dataclasses.replace(NO_AUGMENT, brightness_jitter=0.2)),
                 scene(box), box, 5)
    ratio = bright["template"].numpy()[0, 64, 40] / plain["template"].numpy()[0, 64, 40]
    assert 0.8 <= ratio <= 1.2 and ratio != 1.0


def test_crop_outside_the_frame_is_rejected() -> None:
    """A box far outside the frame gives an (almost) all-padding crop: the pair is invalid (None)."""
    frame = scene((10, 10, 20, 20))
    box = np.array([2000.0, 2000.0, 20.0, 20.0])
    assert PairProcessing(DataConfig())([frame], [box], [frame], [box], np.random.default_rng(0)) is None


def test_normalisation_uses_mean_and_std() -> None:
    """(x - mean) / std per channel."""
    box = (150, 90, 40, 60)
    base = run(dataclasses.replace(DataConfig(), augment=NO_AUGMENT), scene(box), box, 6)
    normed = run(dataclasses.replace(DataConfig(), augment=NO_AUGMENT, mean=(0.5, 0.5, 0.5), std=(0.25, 0.5, 1.0)),
                 scene(box), box, 6)
    assert np.allclose(normed["template"][1].numpy(), (base["template"][1].numpy() - 0.5) / 0.5, atol=1e-6)
