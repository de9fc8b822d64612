"""The smat_tracker node as a child process of the scripts that drive it over DDS (bench_node.py, soak.py): where
its inputs are, the options those scripts share, starting and stopping the node, the percentile of their figures,
and which copy of the package their child processes import (benchmark.py and bench_startup.py check it too).

Imported by name: Python puts the folder of the script it runs first on ``sys.path``.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "config" / "fastdds_localhost.xml"
FIXTURE_CHECKPOINT = ROOT / "test" / "fixtures" / "smat_reference" / "checkpoint.pth.tar"
DEMO_CHECKPOINT = ROOT / "weights" / "smat_demo.safetensors"
SEQUENCE = ROOT / "test" / "fixtures" / "vtest_person"
STOP_TIMEOUT_S = 30.0


def package_source_warning() -> str | None:
    """A one-line warning when ``import smat_ros`` in a child process would not run this checkout's code (an
    installed copy whose Python files differ from the checkout's)."""
    spec = importlib.util.find_spec("smat_ros")
    origin = Path(spec.origin).resolve().parent if spec is not None and spec.origin else None
    source = ROOT / "smat_ros"
    if origin is None or origin == source:
        return None
    stale = [path.relative_to(source) for path in source.rglob("*.py")
             if not (origin / path.relative_to(source)).is_file()
             or (origin / path.relative_to(source)).read_bytes() != path.read_bytes()]
    if not stale:
        return None
    return (f"warning: the child processes import smat_ros from {origin}, which differs from this checkout in "
            f"{len(stale)} file(s) (e.g. {stale[0]}): the figures would time that copy; run scripts/setup.sh again "
            f"or set PYTHONPATH={ROOT}")


def add_node_options(parser: argparse.ArgumentParser, default_domain_id: int) -> None:
    """Add --checkpoint (the demo weights, else the test fixture's), --threads and --domain-id."""
    default = DEMO_CHECKPOINT if DEMO_CHECKPOINT.is_file() else FIXTURE_CHECKPOINT
    parser.add_argument("--checkpoint", type=Path, default=default, help=f"weights (default: {default.name})")
    parser.add_argument("--threads", type=int, default=1, help="inference threads of the node (default 1)")
    parser.add_argument("--domain-id", type=int, default=default_domain_id,
                        help=f"ROS_DOMAIN_ID to use (default {default_domain_id})")


def check_node_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit with a one-line error when the checkpoint does not exist."""
    if not args.checkpoint.is_file():
        parser.error(f"checkpoint not found: {args.checkpoint}")


def init_box() -> tuple[float, float, float, float]:
    """The person's box (x, y, w, h) on the first frame of SEQUENCE."""
    x, y, w, h = (float(v) for v in (SEQUENCE / "init.txt").read_text().split(","))
    return x, y, w, h


def start_node(args: argparse.Namespace, log: IO[str], *params: str) -> subprocess.Popen:
    """Start ``python -m smat_ros.ros.node`` with the checkpoint, threads, ``lost_score_threshold:=0.0`` and
    ``params`` (NAME:=VALUE) in ``args.domain_id`` over the loopback profile, which this process uses too."""
    os.environ.update(ROS_DOMAIN_ID=str(args.domain_id), FASTRTPS_DEFAULT_PROFILES_FILE=str(PROFILE))
    settings = [f"checkpoint:={args.checkpoint}", f"threads:={args.threads}", "lost_score_threshold:=0.0", *params]
    command = [sys.executable, "-m", "smat_ros.ros.node", "--ros-args",
               *(word for setting in settings for word in ("-p", setting))]
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def stop_node(process: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """SIGINT the node and wait ``timeout_s`` for it, then kill it; whether it stopped by itself in time."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    return True


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values`` (nearest rank); nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
