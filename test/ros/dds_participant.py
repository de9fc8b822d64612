"""A ROS node in the test process, in its own context and domain, for the DDS tests to drive and record a node with.

Test modules subclass :class:`Participant` (importable by name: pytest.ini puts test/ros on the path; a test module
cannot import conftest under --import-mode=importlib).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import rclpy
from rclpy.client import Client
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

TIMEOUT_S = 60.0
SPIN_STEP_S = 0.02  # longest wait for work between two checks of a condition
GONE_TIMEOUT_S = 30.0  # longer than Fast DDS's participant lease (20 s): a node whose goodbye was lost goes by then


class Participant:
    """A node ``name`` with its own context and executor in ``domain_id``; subclasses add publishers and
    subscriptions to ``self.node``."""

    def __init__(self, domain_id: int, name: str) -> None:
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = Node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def spin_until(self, condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> bool:
        """Spin until ``condition()``; whether it became true in time."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.executor.spin_once(timeout_sec=SPIN_STEP_S)
        return True

    def spin_for(self, seconds: float) -> None:
        """Spin for ``seconds``."""
        self.spin_until(lambda: False, seconds)

    def call(self, client: Client, request: Any, timeout_s: float = TIMEOUT_S, resend_s: float | None = None) -> Any:
        """Call a service once it is available and wait for the response (each within ``timeout_s``).

        ``resend_s``, for a request that may be repeated (a query): send it again after that many seconds without a
        response. A server that answers before its response writer has matched this client drops the response
        ("failed to send response (timeout)"), even though the service already looked ready here.
        """
        assert self.spin_until(client.service_is_ready, timeout_s), f"{client.srv_name} is not available"
        deadline = time.monotonic() + timeout_s
        while True:
            future = client.call_async(request)
            wait_s = min(resend_s or timeout_s, deadline - time.monotonic())
            if self.spin_until(future.done, wait_s) or time.monotonic() >= deadline:
                break
        assert future.done(), f"no response from {client.srv_name}"
        return future.result()

    def wait_gone(self, node_name: str, timeout_s: float = GONE_TIMEOUT_S) -> bool:
        """Spin until no node ``node_name`` is left in the graph; whether it went in time.

        Call it before :meth:`close` when a node of another process ends by itself near the end of a test: Fast DDS
        2.14 can deadlock when a participant is destroyed while a remote participant's endpoints are being removed
        (eProsima/Fast-DDS#6193), so the removal is let through first.
        """
        return self.spin_until(lambda: node_name not in self.node.get_node_names(), timeout_s)

    def close(self) -> None:
        """Destroy the node and its context."""
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)
