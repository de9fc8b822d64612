"""The synthetic GOT-10k-layout writer: consistent files, boxes inside the frame, labels that agree."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from smat_ros.train.datasets import open_dataset
from smat_ros.train.synthetic import (
    SyntheticConfig,
    new_crosser,
    new_walker,
    object_mask,
    paste,
    render_sequence,
    tight_box,
    walker_mask,
    write_got10k,
)


def test_written_sequences_read_back(tmp_path: Path) -> None:
    """Frames, boxes and labels line up; a second call appends to list.txt; boxes stay in the frame."""
    config = SyntheticConfig(sequences=2, frames=12, width=160, height=120, distractors=2)
    write_got10k(tmp_path, config, seed=1)
    write_got10k(tmp_path, config, seed=2, prefix="MORE")
    data = open_dataset("got10k", tmp_path)
    assert len(data) == 4 and data.sequences[2] == "MORE_000001"
    for seq_id in range(len(data)):
        info = data.sequence_info(seq_id)
        assert info.boxes.shape == (12, 4)
        assert np.all(info.boxes[:, :2] >= 0)
        assert np.all(info.boxes[:, 0] + info.boxes[:, 2] <= 160 + 1e-6)
        assert np.all(info.boxes[:, 1] + info.boxes[:, 3] <= 120 + 1e-6)
        assert data.frame(seq_id, 11).shape == (120, 160, 3)


def test_pasted_sprite_matches_its_box() -> None:
    """The pixels a sprite changes are exactly its mask's tight box placed at the returned corner."""
    rng = np.random.default_rng(4)
    mask = object_mask(30, 20, rng)
    texture = np.full((30, 20, 3), 255, dtype=np.uint8)
    frame = np.zeros((100, 120, 3), dtype=np.uint8)
    coverage = np.zeros((100, 120), dtype=np.float32)
    x0, y0 = paste(frame, coverage, texture, mask, np.array([50.0, 40.0]))
    bx, by, bw, bh = tight_box(mask)
    ys, xs = np.nonzero(frame[..., 0] > 127)
    assert (xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()) == (x0 + bx, y0 + by, bw, bh)
    assert np.array_equal(coverage > 0.5, frame[..., 0] > 127)


def test_sequences_move_and_report_visibility() -> None:
    """The target moves between frames and its visible fraction lies in [0, 1]."""
    config = SyntheticConfig(sequences=1, frames=8, width=160, height=120, distractors=1)
    frames, boxes, visible = render_sequence(config, (), np.random.default_rng(5))
    assert len(frames) == 8 and frames[0].shape == (120, 160, 3)
    assert np.all((visible >= 0) & (visible <= 1))
    assert not np.array_equal(boxes[0], boxes[-1])


def test_walker_is_an_upright_figure_whose_legs_move() -> None:
    """A walker mask fills a tall box, has a head narrower than its body, and its legs change with the phase."""
    standing, striding = walker_mask(80, 36, 0.0), walker_mask(80, 36, np.pi / 2)
    _, _, w, h = tight_box(striding)
    assert h > 1.8 * w
    assert (standing[:6] > 0.5).sum(axis=1).max() < (standing[30] > 0.5).sum()
    legs = slice(60, 80)
    assert (striding[legs] > 0.5).sum(axis=1).max() > (standing[legs] > 0.5).sum(axis=1).max()


def test_walker_scenes_have_tall_targets_walking_over_a_still_background() -> None:
    """With walkers and a static camera: the target box is taller than wide, moves, and the corners of the frame
    (background) stay the same."""
    config = SyntheticConfig(sequences=1, frames=10, width=200, height=150, min_object=30, max_object=50,
                             distractors=0, walkers=1.0, static_camera=1.0)
    frames, boxes, _ = render_sequence(config, (), np.random.default_rng(3))
    assert np.all(boxes[:, 3] > 1.5 * boxes[:, 2])
    assert abs(boxes[-1, 0] - boxes[0, 0]) > 3
    corners = [(0, 0), (0, 199), (149, 0), (149, 199)]
    inside = [any(b[0] <= x < b[0] + b[2] and b[1] <= y < b[1] + b[3] for b in boxes) for y, x in corners]
    for (y, x), covered in zip(corners, inside, strict=True):
        if not covered:
            assert all(np.array_equal(f[y, x], frames[0][y, x]) for f in frames)


def test_posts_stand_in_front_and_hide_the_target() -> None:
    """Posts are drawn over the target: some frame of a posts-heavy walker scene reports the target partly hidden."""
    config = SyntheticConfig(sequences=1, frames=30, width=200, height=150, min_object=30, max_object=50,
                             distractors=0, walkers=1.0, static_camera=1.0, posts=6)
    rng = np.random.default_rng(0)
    hidden = []
    for _ in range(6):
        frames, boxes, visible = render_sequence(config, (), rng)
        hidden.append(visible.min() < 0.9)
    assert any(hidden), "no post ever covered a walker"


def test_crossers_look_like_the_target_and_meet_it_on_its_way() -> None:
    """A crosser walks the other way, reaches the target's line within the sequence, dressed like the target."""
    config = SyntheticConfig(frames=30, width=300, height=200, min_object=30, max_object=50, walkers=1.0)
    rng = np.random.default_rng(2)
    for _ in range(10):
        target = new_walker(config, (), rng)
        crosser = new_crosser(config, target, rng)
        assert np.sign(crosser.velocity[0]) == -np.sign(target.velocity[0])
        meet = (target.center[0] - crosser.center[0]) / (crosser.velocity[0] - target.velocity[0])
        assert 0 <= meet <= config.frames
        brightness = crosser.texture.mean() / max(target.texture.mean(), 1.0)
        assert 0.6 < brightness < 1.4
