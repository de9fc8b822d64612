"""signals.spin and signals.run_node end quietly when a signal shuts the context down at any point of their loop."""
from __future__ import annotations

import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor

from smat_ros.ros import signals


class ShutdownBeforeWaiting:
    """An executor that, like rclpy's signal handler running in another thread, shuts the context down between the
    spin loop's check of the context and the real executor's wait."""

    def __init__(self, executor: SingleThreadedExecutor, context: rclpy.Context, after: int) -> None:
        self.executor, self.context, self.after, self.spins = executor, context, after, 0

    def spin_once(self, timeout_sec: float) -> None:
        """Spin the real executor, shutting the context down first on call number ``after``."""
        self.spins += 1
        if self.spins == self.after:
            self.context.shutdown()
        self.executor.spin_once(timeout_sec=timeout_sec)


@pytest.mark.parametrize("after", [1, 3])
def test_a_shutdown_racing_the_wait_ends_the_spin_quietly(ros, after: int) -> None:
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=ros.next_domain_id())
    node = rclpy.create_node("signals_probe", context=context, start_parameter_services=False)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    racing = ShutdownBeforeWaiting(executor, context, after)
    try:
        signals.spin(racing, context, poll_s=0.01)  # type: ignore[arg-type]
        assert racing.spins == after and not context.ok()
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown(context=context)


def test_an_error_while_the_context_is_valid_is_not_swallowed(ros) -> None:
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=ros.next_domain_id())

    class Failing:
        def spin_once(self, timeout_sec: float) -> None:
            """Fail as a broken callback would."""
            raise RuntimeError("a callback failed")

    try:
        with pytest.raises(RuntimeError, match="a callback failed"):
            signals.spin(Failing(), context, poll_s=0.01)  # type: ignore[arg-type]
    finally:
        rclpy.try_shutdown(context=context)


def test_run_node_ends_quietly_when_the_shutdown_races_the_wait(ros, monkeypatch) -> None:
    monkeypatch.setenv("ROS_DOMAIN_ID", str(ros.next_domain_id()))
    created: list[rclpy.node.Node] = []

    def create() -> rclpy.node.Node:
        """A bare node, remembered."""
        created.append(rclpy.create_node("run_node_probe"))
        return created[-1]

    def work(node: rclpy.node.Node) -> None:
        """Spin once after the context was shut down, as after a signal landing between check and wait."""
        executor = SingleThreadedExecutor(context=node.context)
        executor.add_node(node)
        node.context.shutdown()
        executor.spin_once(timeout_sec=0.01)

    assert signals.run_node("run_node_probe", create, work) == 0
    assert created and not created[0].context.ok()
