"""Training datasets read the official layouts (written here in miniature) and reject malformed ones."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from smat_ros.datasets import load_dataset
from smat_ros.errors import DataFileError
from smat_ros.train.config import DatasetConfig
from smat_ros.train.datasets import DatasetError, build_dataset

BOXES = [[10, 12, 30, 40], [11, 13, 30, 40], [0, 0, 0, 0], [13, 15, 31, 41]]


def write_frames(folder: Path, names: list[str], seed: int = 0) -> list[np.ndarray]:
    """Write flat-coloured RGB frames (a different colour per frame) under ``names``; returns the RGB arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for index, name in enumerate(names):
        frame = np.empty((48, 64, 3), dtype=np.uint8)
        frame[:] = (40 * index + seed, 200 - 30 * index, 100)
        cv2.imwrite(str(folder / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        frames.append(frame)
    return frames


def box_lines(sep: str = ",") -> str:
    """The four boxes as ground-truth lines."""
    return "\n".join(sep.join(str(v) for v in box) for box in BOXES) + "\n"


def test_got10k(tmp_path: Path) -> None:
    """list.txt, 1-based frames, absence and cover labels combine into visibility."""
    seq = tmp_path / "got10k" / "train" / "GOT-10k_Train_000001"
    write_frames(seq, [f"{i:08d}.png" for i in range(1, 5)])
    for i in range(1, 5):
        (seq / f"{i:08d}.jpg").write_bytes((seq / f"{i:08d}.png").read_bytes())
    (seq / "groundtruth.txt").write_text(box_lines())
    (seq / "absence.label").write_text("0\n1\n0\n0\n")
    (seq / "cover.label").write_text("8\n8\n8\n0\n")
    (tmp_path / "got10k" / "train" / "list.txt").write_text("GOT-10k_Train_000001\n")
    data = build_dataset(DatasetConfig(kind="got10k", root="got10k/train"), tmp_path)
    info = data.sequence_info(0)
    assert len(data) == 1 and data.is_video
    assert info.boxes.shape == (4, 4) and info.boxes[3, 2] == 31
    assert info.visible.tolist() == [True, False, False, False]
    assert data.frame(0, 2).shape == (48, 64, 3)


def test_lasot(tmp_path: Path) -> None:
    """<class>/<class>-<n>/img frames; full occlusion and out-of-view hide frames; training_set.txt is the split."""
    for name in ("cat-1", "cat-2"):
        seq = tmp_path / "lasot" / "cat" / name
        frames = write_frames(seq / "img", [f"{i:08d}.jpg" for i in range(1, 5)])
        (seq / "groundtruth.txt").write_text(box_lines())
        (seq / "full_occlusion.txt").write_text("0,0,0,1")
        (seq / "out_of_view.txt").write_text("1,0,0,0")
    (tmp_path / "lasot" / "training_set.txt").write_text("cat-2\n")
    data = build_dataset(DatasetConfig(kind="lasot", root="lasot"), tmp_path)
    assert data.sequences == ["cat-2"]
    assert data.sequence_info(0).visible.tolist() == [False, True, False, False]
    assert np.abs(data.frame(0, 3).astype(int) - frames[3]).mean() < 3  # JPEG round trip of the same frame


def test_trackingnet(tmp_path: Path) -> None:
    """TRAIN_k/anno/<video>.txt with 0-based frames/<video>/<i>.jpg; invalid boxes are not visible."""
    chunk = tmp_path / "trackingnet" / "TRAIN_0"
    write_frames(chunk / "frames" / "vid_a", [f"{i}.jpg" for i in range(4)])
    (chunk / "anno").mkdir(parents=True)
    (chunk / "anno" / "vid_a.txt").write_text(box_lines())
    data = build_dataset(DatasetConfig(kind="trackingnet", root="trackingnet"), tmp_path)
    assert data.sequences == ["vid_a"] and data.layout.chunk("vid_a").name == "TRAIN_0"
    assert data.sequence_info(0).visible.tolist() == [True, True, False, True]
    assert data.frame(0, 0).shape == (48, 64, 3)


def test_coco(tmp_path: Path) -> None:
    """Every non-crowd object is a one-frame sequence, visible when both sides exceed 50 px."""
    root = tmp_path / "coco"
    write_frames(root / "images" / "train2017", ["a.jpg"])
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_train2017.json").write_text(json.dumps({
        "images": [{"id": 7, "file_name": "a.jpg"}],
        "annotations": [{"id": 1, "image_id": 7, "bbox": [1, 2, 60, 55], "iscrowd": 0},
                        {"id": 2, "image_id": 7, "bbox": [1, 2, 20, 55], "iscrowd": 0},
                        {"id": 3, "image_id": 7, "bbox": [1, 2, 60, 60], "iscrowd": 1}]}))
    data = build_dataset(DatasetConfig(kind="coco", root="coco"), tmp_path)
    assert len(data) == 2 and not data.is_video
    assert data.sequence_info(0).visible.tolist() == [True]
    assert data.sequence_info(1).visible.tolist() == [False]
    assert data.frame(1, 0).shape == (48, 64, 3)


def test_folder_of_sequences(tmp_path: Path) -> None:
    """A user's folders: frames in name order (in the folder or img/), space/tab separated boxes accepted."""
    write_frames(tmp_path / "mine" / "walk", ["f_001.png", "f_002.png", "f_003.png", "f_004.png"])
    (tmp_path / "mine" / "walk" / "groundtruth.txt").write_text(box_lines("\t"))
    write_frames(tmp_path / "mine" / "run" / "img", ["1.jpg", "2.jpg", "3.jpg", "4.jpg"])
    (tmp_path / "mine" / "run" / "groundtruth.txt").write_text(box_lines(" "))
    (tmp_path / "mine" / "run" / "absence.label").write_text("0\n0\n0\n1\n")
    data = build_dataset(DatasetConfig(kind="folder", root="mine"), tmp_path)
    assert len(data) == 2
    assert data.sequence_info(0).visible.tolist() == [True, True, False, False]  # "run" sorts first
    assert data.sequence_info(1).visible.tolist() == [True, True, False, True]
    single = build_dataset(DatasetConfig(kind="folder", root=str(tmp_path / "mine" / "walk")), Path("/nowhere"))
    assert len(single) == 1


@pytest.mark.parametrize("kind", ["got10k", "lasot", "trackingnet", "coco", "folder"])
def test_missing_root_is_a_clear_error(tmp_path: Path, kind: str) -> None:
    """A dataset folder that does not exist is named in the error."""
    with pytest.raises(DatasetError, match="not found"):
        build_dataset(DatasetConfig(kind=kind, root="absent"), tmp_path)


def test_malformed_annotations(tmp_path: Path) -> None:
    """A bad ground-truth line and a box/frame count mismatch are reported with the file."""
    seq = tmp_path / "mine" / "s"
    write_frames(seq, ["1.jpg", "2.jpg"])
    (seq / "groundtruth.txt").write_text("1,2,3,4\n1,2,x,4\n")
    data = build_dataset(DatasetConfig(kind="folder", root="mine"), tmp_path)
    with pytest.raises(DataFileError, match="groundtruth.txt: line 2 is not numeric"):
        data.sequence_info(0)
    (seq / "groundtruth.txt").write_text("1,2,3,4\n")
    data = build_dataset(DatasetConfig(kind="folder", root="mine"), tmp_path)
    with pytest.raises(DatasetError, match="1 boxes for 2 frames"):
        data.sequence_info(0)


def test_training_and_evaluation_read_a_folder_sequence_alike(tmp_path: Path) -> None:
    """Both readers give the same frames in numeric order (2 before 10) and the same boxes, NaN rows included."""
    seq = tmp_path / "mine" / "s"
    write_frames(seq, ["10.jpg", "2.jpg", "1.jpg"])
    (seq / "groundtruth.txt").write_text("1,2,3,4\nnan,nan,nan,nan\n5\t6\t7\t8\n")
    train = build_dataset(DatasetConfig(kind="folder", root="mine"), tmp_path)
    evaluation = load_dataset("folder", tmp_path / "mine").load("s")
    assert [Path(p).name for p in evaluation.frames] == ["1.jpg", "2.jpg", "10.jpg"]
    assert np.array_equal(train.frame(0, 2), cv2.cvtColor(cv2.imread(str(seq / "10.jpg")), cv2.COLOR_BGR2RGB))
    info = train.sequence_info(0)
    assert np.array_equal(info.boxes, evaluation.groundtruth.astype(np.float32), equal_nan=True)
    assert info.visible.tolist() == [True, False, True]
