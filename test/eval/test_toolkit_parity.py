"""Our metrics equal the official got10k toolkit's (PyPI ``got10k``) on the same synthetic datasets and results."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from eval_layouts import make_got10k, moving_boxes, noisy_predictions, write_frames, write_rows

from smat_ros.datasets import load_dataset
from smat_ros.eval.analysis import score_tracker
from smat_ros.eval.results import box_file, time_file

TOL = 1e-6


@pytest.fixture(autouse=True)
def _headless_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """The toolkit draws its own plots with pyplot."""
    monkeypatch.setenv("MPLBACKEND", "Agg")


def _write_results(results: Path, family: str, truths: dict[str, np.ndarray], seed: int) -> None:
    """Noisy predictions and per-frame times (one of them 0, which both sides must drop)."""
    rng = np.random.default_rng(seed)
    for index, (name, gt) in enumerate(truths.items()):
        write_rows(box_file(results, family, name), noisy_predictions(gt, seed + index))
        times = rng.uniform(0.01, 0.05, len(gt))
        times[1] = 0.0
        write_rows(time_file(results, family, name), times, fmt="%.8f")


def test_got10k_ao_sr_speed_equal_toolkit(tmp_path: Path) -> None:
    from got10k.experiments import ExperimentGOT10k

    root = tmp_path / "GOT-10k"
    truths = make_got10k(root, "val", {"GOT-10k_Val_000001": 9, "GOT-10k_Val_000002": 14, "GOT-10k_Val_000003": 6})
    results = tmp_path / "results" / "GOT-10k" / "ours"
    _write_results(results, "got10k", truths, seed=3)
    name = "GOT-10k_Val_000002"
    write_rows(box_file(results, "got10k", name, repetition=2), noisy_predictions(truths[name], 99))

    toolkit = ExperimentGOT10k(str(root), subset="val", result_dir=str(tmp_path / "results"),
                               report_dir=str(tmp_path / "reports")).report(["ours"])["ours"]
    ours = score_tracker("ours", load_dataset("got10k_val", root).sequences(), results, "got10k")

    overall = ours.overall()
    assert abs(overall["AO"] - toolkit["overall"]["ao"]) < TOL
    assert abs(overall["SR0.50"] - toolkit["overall"]["sr"]) < TOL
    assert abs(overall["SR0.75"] - toolkit["overall"]["succ_curve"][75]) < TOL
    assert abs(overall["fps"] - toolkit["overall"]["speed_fps"]) < TOL * overall["fps"]
    for seq_name, seq in ours.sequences.items():
        metrics = seq.metrics()
        assert abs(metrics["AO"] - toolkit["seq_wise"][seq_name]["ao"]) < TOL
        assert abs(metrics["SR0.50"] - toolkit["seq_wise"][seq_name]["sr"]) < TOL
        assert abs(metrics["fps"] - toolkit["seq_wise"][seq_name]["speed_fps"]) < TOL * metrics["fps"]
    assert 0.0 < overall["AO"] < 1.0 and 0.0 < overall["SR0.50"] < 1.0


def _make_uav123(root: Path, lengths: dict[str, tuple[str, int, int]]) -> dict[str, np.ndarray]:
    """UAV123 layout; frames are empty files (only their names matter to scoring), some before the start."""
    truths = {}
    for seed, (name, (folder, first, count)) in enumerate(lengths.items()):
        frames = root / "data_seq" / "UAV123" / folder
        frames.mkdir(parents=True, exist_ok=True)
        for number in range(max(1, first - 5), first + count):
            (frames / f"{number:06d}.jpg").touch()
        truths[name] = moving_boxes(count, seed)
        write_rows(root / "anno" / "UAV123" / f"{name}.txt", truths[name])
    for extra in ("README", "configSeqs.m"):  # the toolkit's integrity check wants more than 3 entries
        (root / extra).touch()
    return truths


def _assert_ope_equal(ours, toolkit: dict) -> None:
    """Success AUC, precision@20px and success rate@0.5 per sequence and overall."""
    for seq_name, seq in ours.sequences.items():
        expected = toolkit["seq_wise"][seq_name]
        assert abs(seq.curves.scores()["success_auc"] - expected["success_score"]) < TOL
        assert abs(seq.curves.scores()["precision_20px"] - expected["precision_score"]) < TOL
        assert abs(seq.curves.success[10] - expected["success_rate"]) < TOL
        assert np.allclose(seq.curves.success, expected["success_curve"], atol=TOL, rtol=0)
        assert np.allclose(seq.curves.precision, expected["precision_curve"], atol=TOL, rtol=0)
    overall = ours.overall()
    assert abs(overall["success_auc"] - toolkit["overall"]["success_score"]) < TOL
    assert abs(overall["precision_20px"] - toolkit["overall"]["precision_score"]) < TOL
    assert abs(ours.curves.success[10] - toolkit["overall"]["success_rate"]) < TOL


def test_uav123_success_precision_equal_toolkit(tmp_path: Path) -> None:
    from got10k.experiments import ExperimentUAV123

    root = tmp_path / "UAV123"
    truths = _make_uav123(root, {"uav6": ("uav6", 1, 109), "person8_2": ("person8", 1075, 451)})
    results = tmp_path / "results" / "UAV123" / "ours"
    _write_results(results, "uav", truths, seed=5)

    toolkit = ExperimentUAV123(str(root), result_dir=str(tmp_path / "results"),
                               report_dir=str(tmp_path / "reports")).report(["ours"])["ours"]
    dataset = load_dataset("uav123", root)
    ours = score_tracker("ours", dataset.sequences(), results, dataset.family)

    assert Path(dataset.load("person8_2").frames[0]).name == "001075.jpg"
    _assert_ope_equal(ours, toolkit)


def test_nfs_success_precision_equal_toolkit(tmp_path: Path) -> None:
    from got10k.experiments import ExperimentNfS

    root = tmp_path / "NfS"
    truths = {}
    for seed, (name, count) in enumerate({"Gymnastics": 11, "airboard_1": 17}.items()):
        folder = root / name / "30"
        frames = folder / name
        frames.mkdir(parents=True)
        for number in range(1, count + 1):
            (frames / f"{number:05d}.jpg").touch()
        gt = moving_boxes(count, seed)
        truths[name] = gt
        rows_240 = np.repeat(gt, 8, axis=0)  # (count * 8, 4): the 240 fps annotation, 8 rows per 30 fps frame
        rows_240[1::8] += 100.0  # rows between the 30 fps frames must be ignored
        lines = [f"{i} {x:.2f} {y:.2f} {x + w:.2f} {y + h:.2f} {i} 0 0 0 \"person\""
                 for i, (x, y, w, h) in enumerate(rows_240, start=1)]
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
    results = tmp_path / "results" / "NfS" / "30" / "ours"
    _write_results(results, "nfs", truths, seed=7)

    toolkit = ExperimentNfS(str(root), fps=30, result_dir=str(tmp_path / "results"),
                            report_dir=str(tmp_path / "reports")).report(["ours"])["ours"]
    dataset = load_dataset("nfs", root)
    ours = score_tracker("ours", dataset.sequences(), results, dataset.family)

    assert np.allclose(dataset.load("Gymnastics").groundtruth, truths["Gymnastics"], atol=1e-6)
    _assert_ope_equal(ours, toolkit)


def test_otb100_success_precision_equal_toolkit(tmp_path: Path) -> None:
    from got10k.datasets import OTB
    from got10k.experiments import ExperimentOTB

    root = tmp_path / "OTB100"
    for name in OTB._OTB__version_dict[2015]:  # the toolkit only skips its download when every folder exists
        (root / name).mkdir(parents=True, exist_ok=True)
    truths = {}
    for seed, (video, targets, count) in enumerate((("Bolt", [""], 13), ("Jogging", [".1", ".2"], 9))):
        for number in range(1, count + 1):
            (root / video / "img").mkdir(exist_ok=True)
            (root / video / "img" / f"{number:04d}.jpg").touch()
        for target in targets:
            gt = moving_boxes(count, seed + len(target))
            write_rows(root / video / f"groundtruth_rect{target}.txt", gt, fmt="%d", delimiter="\t")
            truths[video + target.replace(".", "_")] = np.round(gt)
    results = tmp_path / "results" / "OTB2015" / "ours"
    _write_results(results, "otb", truths, seed=11)
    for name in ("Jogging_1", "Jogging_2"):  # the toolkit names the targets Jogging.1 / Jogging.2
        (results / f"{name.replace('_', '.')}.txt").write_bytes((results / f"{name}.txt").read_bytes())

    toolkit = ExperimentOTB(str(root), version=2015, result_dir=str(tmp_path / "results"),
                            report_dir=str(tmp_path / "reports")).report(["ours"])["ours"]
    toolkit["seq_wise"] = {k.replace(".", "_"): v for k, v in toolkit["seq_wise"].items()}
    dataset = load_dataset("otb100", root)
    ours = score_tracker("ours", dataset.sequences(), results, dataset.family)

    assert sorted(ours.sequences) == ["Bolt", "Jogging_1", "Jogging_2"]
    _assert_ope_equal(ours, toolkit)


@pytest.mark.parametrize("dataset_name", ["lasot", "trackingnet_train"])
def test_lasot_and_trackingnet_curves_equal_toolkit_functions(tmp_path: Path, dataset_name: str) -> None:
    from got10k.experiments import ExperimentOTB
    from got10k.utils.metrics import center_error, rect_iou

    truths = {"cat-3": moving_boxes(10, 0), "cat-12": moving_boxes(7, 1)}
    for name, gt in truths.items():
        if dataset_name == "lasot":
            folder = tmp_path / "cat" / name
            write_frames(folder / "img", len(gt), "{:08d}.jpg")
            write_rows(folder / "groundtruth.txt", gt)
            for label in ("full_occlusion.txt", "out_of_view.txt"):
                (folder / label).write_text(",".join(["0"] * len(gt)) + "\n")
        else:
            write_frames(tmp_path / "TRAIN_0" / "frames" / name, len(gt), "{}.jpg", start=0)
            write_rows(tmp_path / "TRAIN_0" / "anno" / f"{name}.txt", gt)
    results = tmp_path / "results"
    family = load_dataset(dataset_name, tmp_path).family
    _write_results(results, family, truths, seed=13)
    ours = score_tracker("ours", load_dataset(dataset_name, tmp_path).sequences(), results, family)

    curves = ExperimentOTB.__new__(ExperimentOTB)
    curves.nbins_iou, curves.nbins_ce = 21, 51
    for name, gt in truths.items():
        boxes = np.loadtxt(results / f"{name}.txt", delimiter=",")
        boxes[0] = gt[0]
        success, precision = curves._calc_curves(rect_iou(boxes, gt), center_error(boxes, gt))
        assert np.allclose(ours.sequences[name].curves.success, success, atol=TOL, rtol=0)
        assert np.allclose(ours.sequences[name].curves.precision, precision, atol=TOL, rtol=0)
