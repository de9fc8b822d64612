"""Data-parallel training under torchrun with the gloo backend and 2 CPU processes.

Each rank records the ground-truth boxes of the batches its loss saw and its final parameters; the test
checks that parameters are identical across ranks (BatchNorm running statistics are not parameters: DDP
broadcasts rank 0's before every forward, so after the last step each rank holds its own, and rank 0's are
saved), that ranks saw different samples, that the loss fell and that only rank 0 wrote checkpoints and logs.
"""
from __future__ import annotations

import csv
import socket
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]

WORKER = '''
import sys
from pathlib import Path
import torch
torch.set_num_threads(1)
from smat_ros.train.config import DataConfig, DatasetConfig, OptimConfig, TrainConfig
from smat_ros.train.loop import Trainer

data_root, output, record = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
data = DataConfig(train=(DatasetConfig(kind="got10k", root="got10k/train"),), val=(), samples_per_epoch=8,
                  num_workers=0)
config = TrainConfig(data=data, optim=OptimConfig(batch_size=2, epochs=3, lr=1e-3, backbone_lr_multiplier=1.0),
                     checkpoint_interval=1, print_interval=1, seed=11)
trainer = Trainer(config, data_root, output, device="cpu")
seen = []
loss = trainer.loss
def recording_loss(outputs, boxes):
    seen.append(boxes.detach().clone())
    return loss(outputs, boxes)
trainer.loss = recording_loss
rank = trainer.dist.rank
result = trainer.run()
torch.save({"params": {k: v.detach().clone() for k, v in result.model.named_parameters()},
            "boxes": torch.cat(seen), "history": result.history}, record / f"rank{rank}.pt")
'''


def free_port() -> int:
    """An unused local TCP port for the rendezvous."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_process_gloo_training(synthetic_root: Path, tmp_path: Path) -> None:
    """2 ranks x 3 epochs x 2 steps of batch 2: same weights everywhere, disjoint samples, falling loss."""
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    record = tmp_path / "record"
    record.mkdir()
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
         "--master_port", str(free_port()), str(worker), str(synthetic_root), str(out), str(record)],
        capture_output=True, text=True, cwd=REPO, timeout=300, env={**_env(), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [torch.load(record / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    params0, params1 = ranks[0]["params"], ranks[1]["params"]
    assert all(torch.equal(params0[k], params1[k]) for k in params0)
    boxes0, boxes1 = ranks[0]["boxes"], ranks[1]["boxes"]
    assert boxes0.shape == boxes1.shape == (12, 4)
    assert not any(torch.equal(a, b) for a in boxes0 for b in boxes1)
    losses = [r["loss"] for r in ranks[0]["history"]]
    assert losses == [r["loss"] for r in ranks[1]["history"]]  # epoch losses are averaged over the ranks
    assert losses[-1] < losses[0], losses
    assert sorted(p.name for p in (out / "checkpoints").glob("*.pth.tar")) == [
        "checkpoint_ep0001.pth.tar", "checkpoint_ep0002.pth.tar", "checkpoint_ep0003.pth.tar"]
    assert len(list((out / "logs" / "tensorboard").glob("events.out.tfevents.*"))) == 1
    with (out / "logs" / "metrics.csv").open() as handle:
        assert [r["epoch"] for r in csv.DictReader(handle)] == ["1", "2", "3"]


def _env() -> dict[str, str]:
    """This process's environment with the repository importable."""
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
