"""The smat_tracker node as a child process of the scripts that drive it over DDS (bench_node.py, soak.py): where
its inputs are, the options those scripts share, starting the node, waiting for it to come up and stopping it, the
percentile of their figures, and which copy of the package their child processes import (benchmark.py and
bench_startup.py check it too).

Imported by name: Python puts the folder of the script it runs first on ``sys.path``.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

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


def node_argument_parser(description: str, default_domain_id: int) -> argparse.ArgumentParser:
    """A driving script's parser: ``description`` (its docstring) as help, then --checkpoint (the demo weights, else
    the test fixture's), --threads and --domain-id; the script adds its own options after these."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = DEMO_CHECKPOINT if DEMO_CHECKPOINT.is_file() else FIXTURE_CHECKPOINT
    parser.add_argument("--checkpoint", type=Path, default=default, help=f"weights (default: {default.name})")
    parser.add_argument("--threads", type=int, default=1, help="inference threads of the node (default 1)")
    parser.add_argument("--domain-id", type=int, default=default_domain_id,
                        help=f"ROS_DOMAIN_ID to use (default {default_domain_id})")
    return parser


def parse_node_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The command line parsed by ``parser``; exits with a one-line error when the checkpoint does not exist."""
    args = parser.parse_args()
    if not args.checkpoint.is_file():
        parser.error(f"checkpoint not found: {args.checkpoint}")
    return args


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


def spin_until(driver: Any, process: subprocess.Popen, condition: Callable[[], bool], timeout_s: float) -> bool:
    """Spin the rclpy node ``driver`` until ``condition()``; False when the node's ``process`` exited or
    ``timeout_s`` passed first."""
    import rclpy

    deadline = time.monotonic() + timeout_s
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        rclpy.spin_once(driver, timeout_sec=0.01)
    return True


def wait_for_node(driver: Any, process: subprocess.Popen, image_pub: Any, set_target: Any, timeout_s: float) -> bool:
    """Spin ``driver`` until the node subscribes to ``image_pub``, offers the ``set_target`` client's service and
    publishes detections; False when it exited or did not come up within ``timeout_s``."""
    return spin_until(driver, process, lambda: image_pub.get_subscription_count() > 0 and set_target.service_is_ready()
                      and driver.count_publishers("/smat_tracker/detections") > 0, timeout_s)


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
