"""Layout readers on tiny synthetic copies of each official layout, and their error messages."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from eval_layouts import make_folder_sequence, make_got10k, moving_boxes, write_frames, write_rows

from smat_ros.datasets import DATASETS, load_dataset
from smat_ros.errors import DataFileError, DatasetError


def test_got10k_val_reads_boxes_visibility_and_resolution(tmp_path: Path) -> None:
    truths = make_got10k(tmp_path, "val", {"GOT-10k_Val_000002": 6, "GOT-10k_Val_000001": 5})
    dataset = load_dataset("got10k_val", tmp_path)
    assert dataset.sequence_names == ["GOT-10k_Val_000002", "GOT-10k_Val_000001"]  # list.txt order
    sequence = dataset.load("GOT-10k_Val_000002")
    assert len(sequence) == 6 and sequence.fully_annotated
    assert Path(sequence.frames[0]).name == "00000001.jpg"
    assert np.allclose(sequence.groundtruth, truths["GOT-10k_Val_000002"])
    assert sequence.visible.tolist() == [True, True, False, True, True, True]
    assert sequence.resolution == (96.0, 72.0)
    assert dataset.family == "got10k"


def test_got10k_visibility_falls_back_to_absence_label(tmp_path: Path) -> None:
    make_got10k(tmp_path, "val", {"a": 5})
    (tmp_path / "val" / "a" / "cover.label").unlink()
    assert load_dataset("got10k_val", tmp_path).load("a").visible.tolist() == [True, True, False, True, True]


def test_got10k_test_split_has_first_box_only(tmp_path: Path) -> None:
    make_got10k(tmp_path, "test", {"GOT-10k_Test_000001": 4})
    sequence = load_dataset("got10k_test", tmp_path / "test").load("GOT-10k_Test_000001")  # split folder as root
    assert len(sequence) == 4 and not sequence.fully_annotated and sequence.visible is None


def test_lasot_nested_layout_with_occlusion_labels(tmp_path: Path) -> None:
    labels = {"airplane-1": ("0,0,1,0,0", "0,0,0,1,0"), "zebra-10": ("0,0,0,0", "0,0,0,0")}
    for name, (occlusion, out_of_view) in labels.items():
        count = occlusion.count(",") + 1
        folder = tmp_path / name.split("-")[0] / name
        write_frames(folder / "img", count, "{:08d}.jpg")
        write_rows(folder / "groundtruth.txt", moving_boxes(count, 1), fmt="%d")
        (folder / "full_occlusion.txt").write_text(occlusion + "\n")
        (folder / "out_of_view.txt").write_text(out_of_view + "\n")
    dataset = load_dataset("lasot", tmp_path)
    assert dataset.sequence_names == ["airplane-1", "zebra-10"]
    assert dataset.load("airplane-1").visible.tolist() == [True, True, False, False, True]
    (tmp_path / "testing_set.txt").write_text("zebra-10\n")
    assert load_dataset("lasot", tmp_path).sequence_names == ["zebra-10"]


def test_trackingnet_test_and_train_chunks(tmp_path: Path) -> None:
    for chunk, name in (("TEST", "abc_0"), ("TRAIN_3", "xyz_1")):
        write_frames(tmp_path / chunk / "frames" / name, 12, "{}.jpg", start=0)
        gt = moving_boxes(12, 2)
        write_rows(tmp_path / chunk / "anno" / f"{name}.txt", gt[:1] if chunk == "TEST" else gt)
    test = load_dataset("trackingnet", tmp_path)
    sequence = test.load("abc_0")
    assert test.sequence_names == ["abc_0"] and not sequence.fully_annotated
    assert [Path(f).name for f in sequence.frames[:3]] == ["0.jpg", "1.jpg", "2.jpg"]
    assert Path(sequence.frames[10]).name == "10.jpg"  # numeric, not lexical, order
    train = load_dataset("trackingnet_train", tmp_path)
    assert train.sequence_names == ["xyz_1"] and train.load("xyz_1").fully_annotated


def test_otb_first_frames_targets_and_omitted_frames(tmp_path: Path) -> None:
    write_frames(tmp_path / "David" / "img", 8, "{:04d}.jpg", start=298)
    write_rows(tmp_path / "David" / "groundtruth_rect.txt", moving_boxes(5, 0), fmt="%d", delimiter="\t")
    write_frames(tmp_path / "Jogging" / "img", 4, "{:04d}.jpg")
    write_rows(tmp_path / "Jogging" / "groundtruth_rect.1.txt", moving_boxes(4, 1))
    write_rows(tmp_path / "Jogging" / "groundtruth_rect.2.txt", moving_boxes(4, 2))
    write_frames(tmp_path / "Tiger1" / "img", 9, "{:04d}.jpg")
    write_rows(tmp_path / "Tiger1" / "groundtruth_rect.txt", moving_boxes(9, 3))
    write_frames(tmp_path / "Human4" / "img", 3, "{:04d}.jpg")
    (tmp_path / "Human4" / "groundtruth_rect.1.txt").write_text("\n")
    write_rows(tmp_path / "Human4" / "groundtruth_rect.2.txt", moving_boxes(3, 4))
    dataset = load_dataset("otb100", tmp_path)
    assert dataset.sequence_names == ["David", "Human4_2", "Jogging_1", "Jogging_2", "Tiger1"]
    david = dataset.load("David")
    assert [Path(f).name for f in (david.frames[0], david.frames[-1])] == ["0300.jpg", "0304.jpg"]
    tiger = dataset.load("Tiger1")
    assert Path(tiger.frames[0]).name == "0006.jpg" and len(tiger) == 4
    assert np.allclose(tiger.groundtruth, moving_boxes(9, 3)[5:])


def test_uav123_split_sequence_starts_at_its_frame(tmp_path: Path) -> None:
    write_frames(tmp_path / "data_seq" / "UAV123" / "bird1", 6, "{:06d}.jpg", start=773)
    gt = moving_boxes(3, 0)
    gt[1] = np.nan
    write_rows(tmp_path / "anno" / "UAV123" / "bird1_2.txt", gt)
    sequence = load_dataset("uav123", tmp_path).load("bird1_2")
    assert [Path(f).name for f in sequence.frames] == ["000775.jpg", "000776.jpg", "000777.jpg"]
    assert np.isnan(sequence.groundtruth[1]).all()


def test_folder_format_single_and_multi_sequence_roots(tmp_path: Path) -> None:
    make_folder_sequence(tmp_path / "multi" / "b", moving_boxes(3, 0))
    make_folder_sequence(tmp_path / "multi" / "a", moving_boxes(4, 1))
    assert load_dataset("folder", tmp_path / "multi").sequence_names == ["a", "b"]
    single = load_dataset("folder", tmp_path / "multi" / "a")
    assert single.sequence_names == ["a"] and len(single.load("a")) == 4


def test_unknown_dataset_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown dataset 'got10'; known datasets: got10k_train"):
        load_dataset("got10", tmp_path)
    assert set(DATASETS) >= {"got10k_val", "got10k_test", "lasot", "trackingnet", "otb100", "uav123", "nfs", "folder"}


def test_wrong_root_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=f"{tmp_path / 'nowhere'}: dataset root"):
        load_dataset("lasot", tmp_path / "nowhere")
    with pytest.raises(DatasetError, match=r"val/list.txt: not found"):
        load_dataset("got10k_val", tmp_path)
    with pytest.raises(DatasetError, match="anno/UAV123: not found"):
        load_dataset("uav123", tmp_path)


def test_missing_groundtruth_is_named(tmp_path: Path) -> None:
    make_got10k(tmp_path, "val", {"a": 3})
    (tmp_path / "val" / "a" / "groundtruth.txt").unlink()
    with pytest.raises(DatasetError, match=r"val/a/groundtruth.txt: ground truth not found"):
        load_dataset("got10k_val", tmp_path).sequences()


def test_malformed_groundtruth_names_file_and_line(tmp_path: Path) -> None:
    make_folder_sequence(tmp_path / "s", moving_boxes(3, 0))
    gt = tmp_path / "s" / "groundtruth.txt"
    gt.write_text("1,2,3,4\n1,2,x,4\n1,2,3,4\n")
    with pytest.raises(DataFileError, match=r"groundtruth.txt: line 2 is not numeric"):
        load_dataset("folder", tmp_path).load("s")
    gt.write_text("1,2,3,4\n1,2,3,4\n")
    with pytest.raises(DatasetError, match=r"groundtruth.txt: 2 boxes for 3 frames"):
        load_dataset("folder", tmp_path).load("s")


def test_unknown_sequence_names_are_errors(tmp_path: Path) -> None:
    make_got10k(tmp_path, "val", {"a": 3})
    with pytest.raises(DatasetError, match=r"\['zz'\] are not part of 'got10k_val'"):
        load_dataset("got10k_val", tmp_path).sequences(["a", "zz"])


def test_got10k_visibility_needs_cover_and_no_absence(tmp_path: Path) -> None:
    """The one GOT-10k rule: cover > 0 (toolkit) and absence == 0 (reference training), each where present."""
    make_got10k(tmp_path, "val", {"a": 4})
    folder = tmp_path / "val" / "a"
    (folder / "cover.label").write_text("8\n8\n0\n3\n")
    (folder / "absence.label").write_text("0\n1\n0\n0\n")  # frame 2 contradicts its cover: not visible
    layout = load_dataset("got10k_val", tmp_path)
    assert layout.visible("a", 4).tolist() == [True, False, False, True]
    (folder / "absence.label").unlink()
    (folder / "cover.label").unlink()
    assert layout.load("a").visible is None


def test_lasot_label_files_apply_where_present(tmp_path: Path) -> None:
    folder = tmp_path / "cat" / "cat-1"
    write_frames(folder / "img", 3, "{:08d}.jpg")
    write_rows(folder / "groundtruth.txt", moving_boxes(3, 1), fmt="%d")
    (folder / "out_of_view.txt").write_text("0,1,0\n")
    assert load_dataset("lasot", tmp_path).load("cat-1").visible.tolist() == [True, False, True]


def test_frame_paths_follow_the_official_names_without_listing(tmp_path: Path) -> None:
    """Training reads frames by the layout's naming rule; it agrees with the listed frames."""
    make_got10k(tmp_path, "val", {"a": 3})
    layout = load_dataset("got10k_val", tmp_path)
    listed = layout.load("a").frames
    assert [str(layout.frame_path("a", i)) for i in range(3)] == list(listed)
    make_folder_sequence(tmp_path / "mine" / "s", moving_boxes(3, 0))
    folder = load_dataset("folder", tmp_path / "mine")
    assert [str(folder.frame_path("s", i)) for i in range(3)] == list(folder.load("s").frames)


def test_names_replace_the_sequence_list(tmp_path: Path) -> None:
    """A split file's names (TrackingNet: chunk/sequence) replace the layout's own list."""
    from smat_ros.datasets.trackingnet import TrackingNetLayout

    for chunk, name in (("TRAIN_0", "a"), ("TRAIN_1", "b")):
        write_frames(tmp_path / chunk / "frames" / name, 3, "{}.jpg", start=0)
        write_rows(tmp_path / chunk / "anno" / f"{name}.txt", moving_boxes(3, 2))
    layout = TrackingNetLayout("tn", tmp_path, chunks=("TRAIN_0", "TRAIN_1"), names=["TRAIN_1/b"])
    assert layout.sequence_names == ["b"] and layout.chunk("b").name == "TRAIN_1"
    assert len(layout.load("b")) == 3
    assert TrackingNetLayout("tn", tmp_path, chunks=("TRAIN_0", "TRAIN_1")).sequence_names == ["a", "b"]
