"""Template/search frame sampling: causal, within the gap, visible frames only, reproducible per index."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from smat_ros.train.datasets import DatasetError, SequenceInfo
from smat_ros.train.sampler import PairSampler, causal_frame_ids, sample_visible_ids


class FakeDataset:
    """In-memory dataset whose frames encode (sequence, frame) in their pixels."""

    def __init__(self, visible: list[np.ndarray], is_video: bool = True) -> None:
        self.name = "fake"
        self.is_video = is_video
        self.infos = [SequenceInfo(np.tile([10.0, 10.0, 20.0, 20.0], (len(v), 1)), v) for v in visible]

    def __len__(self) -> int:
        return len(self.infos)

    def sequence_info(self, seq_id: int) -> SequenceInfo:
        return self.infos[seq_id]

    def frame(self, seq_id: int, frame_id: int) -> np.ndarray:
        return np.full((4, 4, 3), (seq_id, frame_id % 256, frame_id // 256), dtype=np.uint8)


def record_ids(template_frames, template_boxes, search_frames, search_boxes, rng):
    """Processing stand-in that returns the sampled (sequence, frame) ids."""
    t, s = template_frames[0][0, 0], search_frames[0][0, 0]
    return {"template": torch.tensor([int(t[0]), int(t[1]) + 256 * int(t[2])]),
            "search": torch.tensor([int(s[0]), int(s[1]) + 256 * int(s[2])])}


def test_gap_respected_and_causal() -> None:
    """With every frame visible the search frame is 1..max_gap-1 frames after the template."""
    visible = np.ones(500, dtype=bool)
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(2000):
        (template,), (search,) = causal_frame_ids(visible, 30, rng)
        gaps.append(search - template)
    assert min(gaps) >= 1 and max(gaps) <= 29
    assert max(gaps) >= 25  # the whole window is used, not just neighbours


def test_only_visible_frames_are_sampled() -> None:
    """Frames marked invisible are never returned as template or search."""
    rng = np.random.default_rng(1)
    visible = rng.random(300) < 0.3
    for _ in range(2000):
        ids = causal_frame_ids(visible, 20, rng)
        assert ids is not None
        assert all(visible[i] for i in ids[0] + ids[1])


def test_gap_widens_when_no_visible_frame_is_close() -> None:
    """Visible frames 40 apart with max_gap 10: the window widens by steps of 5 until one is found."""
    visible = np.zeros(200, dtype=bool)
    visible[::40] = True
    (template,), (search,) = causal_frame_ids(visible, 10, np.random.default_rng(2))
    assert visible[template] and visible[search] and search > template


def test_sample_visible_ids_bounds() -> None:
    """Half-open [min_id, max_id) window, clamped to the sequence; None when nothing is visible there."""
    visible = np.array([1, 0, 1, 1, 0], dtype=bool)
    rng = np.random.default_rng(3)
    assert set(sum((sample_visible_ids(visible, rng, 1, 1, 3) for _ in range(50)), [])) == {2}
    assert sample_visible_ids(visible, rng, 1, 4, 5) is None
    assert sample_visible_ids(visible, rng, 0) == []
    assert set(sum((sample_visible_ids(visible, rng, 1, -5, 99) for _ in range(200)), [])) == {0, 2, 3}


def test_pair_sampler_is_reproducible_per_epoch_and_index() -> None:
    """Same (seed, epoch, index) gives the same pair; other indices and epochs give others."""
    data = FakeDataset([np.ones(60, dtype=bool), np.ones(80, dtype=bool)])
    sampler = PairSampler([data], [1.0], 64, 20, record_ids, seed=5)
    first = [sampler[i]["search"].tolist() for i in range(64)]
    assert [sampler[i]["search"].tolist() for i in range(64)] == first
    assert len({tuple(x) for x in first}) > 32
    sampler.set_epoch(1)
    assert [sampler[i]["search"].tolist() for i in range(64)] != first


def test_pair_sampler_skips_short_or_hidden_sequences() -> None:
    """Sequences under 20 frames or with too few visible frames are never drawn."""
    mostly_hidden = np.zeros(100, dtype=bool)
    mostly_hidden[:3] = True
    data = FakeDataset([np.ones(10, dtype=bool), mostly_hidden, np.ones(40, dtype=bool)])
    sampler = PairSampler([data], [1.0], 50, 10, record_ids)
    assert {int(sampler[i]["search"][0]) for i in range(50)} == {2}


def test_image_dataset_repeats_its_frame_and_ratios_mix_sources() -> None:
    """An image dataset gives template == search frame; a 0-ish ratio source is (almost) never drawn."""
    images = FakeDataset([np.ones(1, dtype=bool)] * 3, is_video=False)
    videos = FakeDataset([np.ones(50, dtype=bool)])
    sampler = PairSampler([images, videos], [1.0, 1e-9], 40, 10, record_ids)
    for i in range(40):
        sample = sampler[i]
        assert torch.equal(sample["template"], sample["search"])


def test_no_usable_sequence_is_a_clear_error() -> None:
    """A dataset of only short sequences raises DatasetError naming the requirement."""
    sampler = PairSampler([FakeDataset([np.ones(5, dtype=bool)])], [1.0], 4, 10, record_ids)
    with pytest.raises(DatasetError, match="20 frames"):
        sampler[0]
