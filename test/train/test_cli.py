"""smat-train's command line: a one-step run writes its outputs; bad input is one readable error line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smat_ros.cli.train import main
from smat_ros.config import load_yaml
from smat_ros.train.config import TrainConfig

REPO = Path(__file__).resolve().parents[2]

TINY_YAML = """
data:
  train: [{kind: got10k, root: got10k/train}]
  val: [{kind: got10k, root: got10k/train}]
  samples_per_epoch: 2
  val_samples_per_epoch: 2
  num_workers: 0
optim: {batch_size: 2, epochs: 1, amp: true}
checkpoint_interval: 1
"""


def test_one_step_run_with_validation(synthetic_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """One training step plus validation; AMP is ignored on CPU; checkpoint and CSV with val_loss are written."""
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_YAML)
    code = main(["--config", str(config), "--data-root", str(synthetic_root), "--output", str(tmp_path / "out"),
                 "--device", "cpu"])
    assert code == 0
    assert (tmp_path / "out" / "checkpoints" / "checkpoint_ep0001.pth.tar").is_file()
    header = (tmp_path / "out" / "logs" / "metrics.csv").read_text().splitlines()[0]
    assert "val_loss" in header and "loss" in header


@pytest.mark.parametrize("yaml_text, message", [
    ("optim: {batch_sise: 4}\n", "unknown keys ['batch_sise']"),
    ("data: {train: [{kind: imagenet, root: x}]}\n", "'imagenet' is not one of"),
    ("data: {train: [{kind: got10k, root: nowhere}], val: []}\n", "GOT-10k folder not found"),
])
def test_bad_config_is_one_error_line(synthetic_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                      yaml_text: str, message: str) -> None:
    """Unknown keys, unknown dataset kinds and missing dataset folders exit 1 with the problem named."""
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text)
    code = main(["--config", str(config), "--data-root", str(synthetic_root), "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert message in err and err.startswith("smat-train: error:") and "Traceback" not in err


def test_missing_data_root_and_help(tmp_path: Path) -> None:
    """A missing --data-root is reported without a traceback; --help works as a subprocess."""
    proc = subprocess.run([sys.executable, "-m", "smat_ros.cli.train", "--config",
                           str(REPO / "config" / "train_demo.yaml"), "--data-root", str(tmp_path / "absent"),
                           "--output", str(tmp_path / "o")], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    expected = f"smat-train: error: --data-root folder not found: {tmp_path / 'absent'}"
    assert proc.stderr.strip().splitlines()[-1] == expected
    helped = subprocess.run([sys.executable, "-m", "smat_ros.cli.train", "--help"], capture_output=True, text=True,
                            cwd=REPO)
    assert helped.returncode == 0 and "--resume" in helped.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "config").glob("train_*.yaml")))
def test_shipped_configs_load(name: str) -> None:
    """Every config/train_*.yaml is a valid TrainConfig."""
    assert isinstance(load_yaml(TrainConfig, REPO / "config" / name), TrainConfig)


def test_reference_defaults() -> None:
    """Defaults are mobilevitv2_256_128x1_ep300's values."""
    c = TrainConfig()
    assert (c.data.template.factor, c.data.template.size, c.data.search.factor, c.data.search.size) == (2, 128, 4, 256)
    assert (c.data.search.center_jitter, c.data.search.scale_jitter, c.data.template.center_jitter) == (3, 0.25, 0)
    assert (c.data.max_sample_interval, c.data.samples_per_epoch, c.optim.batch_size, c.optim.epochs) == (
        200, 60000, 128, 300)
    assert (c.optim.lr, c.optim.backbone_lr_multiplier, c.optim.weight_decay, c.optim.lr_drop_epoch) == (
        4e-4, 0.1, 1e-4, 240)
    assert (c.optim.grad_clip_norm, c.optim.lr_decay_rate, c.loss.giou_weight, c.loss.l1_weight) == (0.1, 0.1, 2, 5)
    assert [d.kind for d in c.data.train] == ["lasot", "got10k", "coco", "trackingnet"]
