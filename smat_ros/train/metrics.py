"""Per-epoch training metrics: a CSV file, TensorBoard scalars and a loss-curve PNG (rank 0 only).

TensorBoard is optional: without the ``tensorboard`` package the CSV file and the PNG are still written.
"""
from __future__ import annotations

import csv
import logging
import math
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

CSV_NAME = "metrics.csv"
PNG_NAME = "loss_curve.png"
TENSORBOARD_DIR = "tensorboard"


class MetricsLog:
    """Appends one row per epoch to ``logs/metrics.csv``, mirrors it to TensorBoard and redraws the curve."""

    def __init__(self, output: Path, resume_epoch: int = 0) -> None:
        """Open the log folder; on resume, rows after ``resume_epoch`` (from an interrupted run) are dropped."""
        self.folder = output / "logs"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.csv_path = self.folder / CSV_NAME
        self.rows = [r for r in self._read_rows() if int(float(r["epoch"])) <= resume_epoch]
        self.writer = _tensorboard_writer(self.folder / TENSORBOARD_DIR, resume_epoch)

    def _read_rows(self) -> list[dict[str, str]]:
        """Rows already in the CSV file."""
        if not self.csv_path.is_file():
            return []
        with self.csv_path.open(newline="") as handle:
            return list(csv.DictReader(handle))

    def log_step(self, step: int, values: dict[str, float]) -> None:
        """TensorBoard scalars of one optimisation step (``train_step/<name>``)."""
        if self.writer is None:
            return
        for name, value in values.items():
            self.writer.add_scalar(f"train_step/{name}", value, step)

    def log_epoch(self, epoch: int, values: dict[str, float]) -> None:
        """Record one epoch's scalars everywhere and redraw the loss curve."""
        row = {"epoch": str(epoch), **{k: f"{v:.6g}" for k, v in values.items()}}
        self.rows.append(row)
        fields = list(dict.fromkeys(k for r in self.rows for k in r))
        with self.csv_path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.rows)
        if self.writer is not None:
            for name, value in values.items():
                self.writer.add_scalar(f"epoch/{name}", value, epoch)
            self.writer.flush()
        self._plot()

    def _plot(self) -> None:
        """Draw train (and validation) loss per epoch to ``logs/loss_curve.png``."""
        fig = Figure(figsize=(6, 4), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for key, label in (("loss", "train"), ("val_loss", "validation")):
            points = [(int(r["epoch"]), float(r[key])) for r in self.rows if r.get(key) not in (None, "")]
            points = [(e, v) for e, v in points if math.isfinite(v)]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o" if len(points) < 30 else None, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (2 GIoU + 5 L1 + focal)")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(self.folder / PNG_NAME)

    def close(self) -> None:
        """Flush and close TensorBoard."""
        if self.writer is not None:
            self.writer.close()


def _tensorboard_writer(folder: Path, resume_epoch: int) -> Any:
    """A TensorBoard SummaryWriter on ``folder``, or None (with a warning) when tensorboard is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log.warning("tensorboard is not installed: writing %s and %s only (pip install tensorboard for scalars)",
                    CSV_NAME, PNG_NAME)
        return None
    return SummaryWriter(str(folder), purge_step=resume_epoch + 1)
