"""SIGINT and SIGTERM stop a node process every time: signal dispositions set before ``rclpy.init`` and a spin loop
that cannot miss the shutdown.

Why the plain ``executor.spin()`` sometimes ignored a signal (scripts/demo.sh hung after its last frame): a
background job of a non-interactive shell starts with SIGINT *ignored*, so Python installs no KeyboardInterrupt
handler and rclpy's C handler is the only one. That handler wakes the executor through a guard condition and shuts
the context down from another thread; when the executor wakes first, it finds the context still valid, goes back
to waiting without a timeout, and nothing wakes it again until the next message (measured: 5 of 20 runs for SIGINT,
1 of 20 for SIGTERM on an idle node). With :func:`handle_signals` called before ``rclpy.init``, rclpy chains to
Python handlers that raise :class:`KeyboardInterrupt` in the main thread as soon as it wakes, and :func:`spin` also
wakes every ``poll_s`` to check the context, so a signal is never lost once ``rclpy.init`` has run.
:func:`exit_process` then ends the process without the interpreter's finalization: with torch and onnxruntime
loaded it took 1-3 s on a busy 2-core machine (measured: node released in 7 ms, process gone 2.9 s after SIGINT).
"""
from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import NoReturn

from rclpy.context import Context
from rclpy.executors import Executor, ExternalShutdownException

POLL_S = 0.25


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Python handler of SIGTERM: stop the main thread like SIGINT does."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def handle_signals() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread, whatever dispositions the parent left us."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def spin(executor: Executor, context: Context, poll_s: float = POLL_S) -> None:
    """Run ``executor`` until ``context`` shuts down or a signal arrives; returns normally in both cases."""
    try:
        while context.ok():
            executor.spin_once(timeout_sec=poll_s)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass


def exit_process(code: int) -> NoReturn:
    """End the process with ``code`` now: call it once the node is destroyed and ``rclpy`` shut down (which
    finalizes ROS logging); Python's logging and stdio are flushed first."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
