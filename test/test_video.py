"""Frame sources, box parsing and the rendered video writer."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from smat_ros.errors import InputError
from smat_ros.video import FrameSource, VideoWriter, draw_track, format_box, list_images, parse_box


def test_image_folder_yields_rgb_frames_in_name_order(tmp_path: Path) -> None:
    import cv2

    for index, colour in enumerate([(255, 0, 0), (0, 0, 255)]):  # BGR on disk
        cv2.imwrite(str(tmp_path / f"{index:03d}.png"), np.full((8, 10, 3), colour, dtype=np.uint8))
    frames = list(FrameSource(tmp_path))
    assert len(frames) == 2 and frames[0].shape == (8, 10, 3)
    assert tuple(frames[0][0, 0]) == (0, 0, 255) and tuple(frames[1][0, 0]) == (255, 0, 0)


def test_video_round_trip(tmp_path: Path) -> None:
    """Frames written come back in order with their pixels (within the codec's loss), RGB channels not swapped."""
    path = tmp_path / "clip.avi"
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]  # RGB: red, green, blue
    written = [np.full((48, 64, 3), colour, dtype=np.uint8) for colour in colours]
    with VideoWriter(path, 10.0, (64, 48)) as writer:
        for frame in written:
            writer.write(frame)
    frames = list(FrameSource(path))
    assert len(frames) == 3 and frames[0].shape == (48, 64, 3)
    for frame, colour in zip(frames, colours, strict=True):
        assert np.abs(frame.reshape(-1, 3).mean(axis=0) - colour).max() < 12, (frame[0, 0], colour)


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        FrameSource(tmp_path / "missing.mp4")
    with pytest.raises(InputError, match="no images"):
        FrameSource(tmp_path)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    with pytest.raises(InputError, match="cannot read any frame"):
        FrameSource(broken)


def test_box_text() -> None:
    assert parse_box("1,2.5,3,4") == (1.0, 2.5, 3.0, 4.0)
    assert parse_box("1 2 3 4") == (1.0, 2.0, 3.0, 4.0)
    assert format_box((1, 2, 3, 4.25)) == "1.0000,2.0000,3.0000,4.2500"
    for text in ("1,2,3", "a,b,c,d"):
        with pytest.raises(InputError, match="four numbers"):
            parse_box(text)


def test_draw_track_draws_in_the_given_colour_on_a_copy() -> None:
    frame = np.zeros((60, 80, 3), dtype=np.uint8)
    drawn = draw_track(frame, (20, 30, 30, 20), 0.5, "TRACKING", color=(255, 64, 0))
    assert not frame.any(), "the input frame was drawn on"
    assert tuple(drawn[30, 35]) == (255, 64, 0) and tuple(drawn[40, 20]) == (255, 64, 0)
    assert not drawn[40, 35].any(), "the box interior was filled"
    assert tuple(draw_track(frame, (20, 30, 30, 20), None)[30, 35]) == (255, 255, 0)


def test_the_label_sits_on_a_plate_that_covers_its_whole_width() -> None:
    frame = np.full((60, 300, 3), 255, dtype=np.uint8)
    drawn = draw_track(frame, None, 0.63, "TRACKING", color=(0, 255, 0))
    (width, height), _ = cv2.getTextSize("TRACKING score 0.63", cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1)
    plate = drawn[22 - height:22, 8:8 + width]
    assert not (plate == 255).all(axis=2).any(), "background shows through the label"
    assert ((plate[..., 1] > 128) & (plate[..., 0] < 64)).sum() > 50, "no green text on the plate"
    assert (drawn[40:, :] == 255).all(), "the plate is larger than the label"


def test_image_folders_are_listed_in_frame_order(tmp_path: Path) -> None:
    for name in ("10.jpg", "2.png", "1.jpg", "notes.txt", "cover.jpg"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in list_images(tmp_path)] == ["1.jpg", "2.png", "10.jpg", "cover.jpg"]
