"""SIGINT and SIGTERM stop a node process every time: signal handlers set before ``rclpy.init`` and a spin loop
that cannot miss the shutdown.

Why the plain ``executor.spin()`` sometimes ignored a signal (scripts/demo.sh hung after its last frame): a
background job of a non-interactive shell starts with SIGINT *ignored*, so Python installs no KeyboardInterrupt
handler and rclpy's C handler is the only one. That handler wakes the executor through a guard condition and shuts
the context down from another thread; when the executor wakes first, it finds the context still valid, goes back
to waiting without a timeout, and nothing wakes it again until the next message (measured on an idle node: 5 of 20
runs for SIGINT, 1 of 20 for SIGTERM). :func:`handle_signals` installs Python handlers for both signals that only
record the request (rclpy chains to them), and :func:`spin` checks that record and the context every time the
executor wakes, and at least every ``poll_s``: a signal is never lost once ``rclpy.init`` has run. The handlers
raise nothing: an asynchronous KeyboardInterrupt can land inside a callback or between a lock's acquire and its
``with`` block and leave the node half updated or a lock held (a node raising KeyboardInterrupt from its SIGINT
handler once did not stop within 30 s in test_node_shutdown.py).
:func:`exit_process` then ends the process without the interpreter's finalization: with torch and onnxruntime
loaded it took 1-3 s on a busy 2-core machine (measured: node released in 7 ms, process gone 2.9 s after SIGINT).
:func:`run_node` is the ``main`` of the helper nodes (sim_camera, video_source, follow_controller), which keep
rclpy's own signal handling (a KeyboardInterrupt or an external shutdown ends their work), and
:func:`spin_until` is how their work waits for their subscriptions without missing such a shutdown.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import NoReturn, TypeVar

import rclpy
from rclpy.context import Context
from rclpy.executors import Executor, ExternalShutdownException
from rclpy.node import Node

from smat_ros.errors import StartupError

POLL_S = 0.25

N = TypeVar("N", bound=Node)


_STOP = threading.Event()  # set by SIGINT/SIGTERM (signal dispositions are per process)


def _request_stop(signum: int, frame: FrameType | None) -> None:
    """Python handler of SIGINT and SIGTERM: record the request; :func:`spin` returns at its next wake-up."""
    _STOP.set()


def handle_signals() -> None:
    """SIGINT and SIGTERM request a stop, whatever dispositions the parent left us (call before ``rclpy.init``)."""
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)


def stop_requested() -> bool:
    """Whether SIGINT or SIGTERM arrived since :func:`handle_signals`."""
    return _STOP.is_set()


def spin(executor: Executor, context: Context, poll_s: float = POLL_S) -> None:
    """Run ``executor`` until a signal arrives or ``context`` shuts down.

    rclpy's signal handler shuts the context down from another thread: when that lands between the loop's check and
    the executor building its wait set (or timer), rclpy raises RCLError, "the given context is not valid"; that is
    the shutdown asked for, not an error (it once made a node stopped by SIGINT just after it came up exit 1).
    """
    try:
        while context.ok() and not _STOP.is_set():
            executor.spin_once(timeout_sec=poll_s)
    except ExternalShutdownException:
        pass
    except Exception:  # RCLError (rclpy exports no public name for it) once the context is shut down
        if context.ok():
            raise


def exit_process(code: int) -> NoReturn:
    """End the process with ``code`` now: call it once the node is destroyed and ``rclpy`` shut down (which
    finalizes ROS logging); Python's logging and stdio are flushed first."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def spin_until(node: Node, done: Callable[[], bool], timeout_s: float, step_s: float) -> bool:
    """Spin ``node`` in steps of at most ``step_s`` until ``done()`` or ``timeout_s``; whether it was done
    (ExternalShutdownException once the context was shut down, e.g. by SIGINT, during the wait)."""
    deadline = time.monotonic() + timeout_s
    while not done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            rclpy.spin_once(node, timeout_sec=min(remaining, step_s))
        except Exception:  # rclpy raises RCLError when the context was shut down during the wait
            if rclpy.ok(context=node.context):
                raise
            raise ExternalShutdownException() from None
    return True


def create_node(name: str, create: Callable[[], N]) -> N | None:
    """``create()`` (after ``rclpy.init``); None, with the reason logged as ``name`` and rclpy shut down, when it
    raises StartupError."""
    try:
        return create()
    except StartupError as exc:
        rclpy.logging.get_logger(name).fatal(str(exc))
        rclpy.try_shutdown()
        return None


def run_node(name: str, create: Callable[[], N], work: Callable[[N], object], args: list[str] | None = None) -> int:
    """``rclpy.init``, then ``work(create())`` until it returns or Ctrl-C / an external shutdown ends it (0); 1, with
    the reason logged as ``name``, when ``create`` raises StartupError. The node is destroyed and rclpy shut down
    either way."""
    rclpy.init(args=args)
    node = create_node(name, create)
    if node is None:
        return 1
    try:
        work(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:  # RCLError when the shutdown landed while rclpy built its wait set (see spin)
        if rclpy.ok(context=node.context):
            raise
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0
