"""The teleop web server over real HTTP/WebSocket on loopback, with a recording tracker link (the ROS side is tested
against the real tracker node in test/ros/test_teleop_ui.py): page, frames, replies, token, origin, bad requests."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from smat_ros.teleop.protocol import EncodedFrame, SetTarget, Stamp, split_packet
from smat_ros.teleop.server import MAX_IN_FLIGHT, Reply, ServerConfig, TeleopServer


class RecordingLink:
    """Answers like a tracker and records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    async def set_target(self, request: SetTarget) -> Reply:
        self.requests.append(request)
        return Reply(True, f"tracking from {request.stamp.ns}", "abc")

    async def clear(self) -> Reply:
        self.requests.append("clear")
        return Reply(True, "target cleared")


def serve(test, token: str = ""):
    """Run ``test(server, base_url, session)`` against a started server on a free port."""
    async def main():
        link = RecordingLink()
        server = TeleopServer(link, ServerConfig("127.0.0.1", 0, token), lambda: {"camera_fps": 0.0})
        url = await server.start()
        base = url.split("?")[0].rstrip("/")
        try:
            jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies from 127.0.0.1, as browsers do
            async with aiohttp.ClientSession(cookie_jar=jar) as session:
                await test(server, link, base, session)
        finally:
            await server.stop()
    asyncio.run(main())


async def receive_until(ws, predicate, timeout_s: float = 10.0):
    """Messages (decoded) until one satisfies ``predicate``; that one."""
    async with asyncio.timeout(timeout_s):
        while True:
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                value = split_packet(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                value = json.loads(message.data)
            else:
                raise AssertionError(f"socket closed: {message}")
            if predicate(value):
                return value


def test_page_frames_events_and_requests_over_the_websocket():
    async def test(server, link, base, session):
        async with session.get(base + "/") as response:
            assert response.status == 200 and "<canvas" in await response.text()
        async with session.get(base + "/static/app.js") as response:
            assert response.status == 200 and "set_target" in await response.text()
        async with session.get(base + "/static/secret.py") as response:
            assert response.status == 404
        async with session.ws_connect(base + "/ws") as ws:
            server.post_event("status", {"state": 1})
            event = await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "status")
            assert event == {"type": "status", "state": 1}
            server.post_frame(EncodedFrame(Stamp(12, 345), "cam", 64, 48, b"jpegbytes", 1))
            header, jpeg = await receive_until(ws, lambda v: isinstance(v, tuple))
            assert (header["sec"], header["nanosec"], header["width"], jpeg) == (12, 345, 64, b"jpegbytes")
            await ws.send_str(json.dumps({"op": "set_target", "id": 9, "stamp": {"sec": 12, "nanosec": 345},
                                          "box": [1, 2, 3, 4]}))
            reply = await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "reply")
            assert reply == {"type": "reply", "op": "set_target", "id": 9, "success": True,
                             "message": "tracking from 12000000345", "track_id": "abc"}
            await ws.send_str('{"op": "set_target", "stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 0, 4]}')
            error = await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "error")
            assert "must be > 0" in error["message"]
            await ws.send_bytes(b"\x00\x01")
            error = await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "error")
            assert "binary" in error["message"]
            await ws.send_str('{"op": "clear"}')  # the socket still works after bad requests
            reply = await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "reply")
            assert reply["op"] == "clear" and reply["success"]
        assert link.requests == [SetTarget(Stamp(12, 345), (1.0, 2.0, 3.0, 4.0), 9), "clear"]
        assert server.requests_refused == 2
    serve(test)


def test_http_api_answers_and_refuses_bad_bodies():
    async def test(server, link, base, session):
        body = {"stamp": {"sec": 3, "nanosec": 0}, "box": [5, 6, 7, 8]}
        async with session.post(base + "/api/set_target", json=body) as response:
            assert response.status == 200
            assert await response.json() == {"success": True, "message": "tracking from 3000000000",
                                             "track_id": "abc"}
        for bad, words in ((b"{", "not JSON"), (b"[1]", "JSON object"), (b'{"stamp": 1, "box": [1,2,3,4]}', "stamp"),
                           (b'{"box": [1, 2, 3, 4]}', "exactly")):
            async with session.post(base + "/api/set_target", data=bad) as response:
                assert response.status == 400 and words in (await response.json())["error"]
        async with session.post(base + "/api/clear") as response:
            assert response.status == 200 and (await response.json())["message"] == "target cleared"
        async with session.get(base + "/api/state") as response:
            state = await response.json()
            assert state["stats"]["requests_refused"] == 4 and "camera_fps" in state["stats"]
        assert len(link.requests) == 2
    serve(test)


def test_with_a_token_every_route_refuses_requests_without_it():
    async def test(server, link, base, session):
        for path in ("/", "/static/app.js", "/api/state", "/ws"):
            async with session.get(base + path) as response:
                assert response.status == 401, path
            async with session.get(base + path + "?token=wrong") as response:
                assert response.status == 401, path
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(base + "/ws")
        assert refused.value.status == 401
        async with session.post(base + "/api/clear") as response:
            assert response.status == 401
        assert link.requests == []
        async with session.get(base + "/api/state", headers={"Authorization": "Bearer s3cret"}) as response:
            assert response.status == 200
        async with session.get(base + "/?token=s3cret") as response:  # the page sets the cookie ...
            assert response.status == 200
        async with session.ws_connect(base + "/ws") as ws:  # ... that the WebSocket then carries
            await ws.send_str('{"op": "clear"}')
            assert (await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "reply"))["success"]
        assert link.requests == ["clear"] and server.unauthorized == 10
    serve(test, token="s3cret")


def test_a_websocket_from_another_site_is_refused():
    async def test(server, link, base, session):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(base + "/ws", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        host = base.split("//")[1]
        async with session.ws_connect(base + "/ws", headers={"Origin": f"http://{host}"}) as ws:
            await ws.send_str('{"op": "clear"}')
            await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "reply")
    serve(test)


def test_a_slow_page_gets_the_newest_frame_and_the_others_are_counted_as_dropped():
    async def test(server, link, base, session):
        async with session.ws_connect(base + "/ws") as ws:
            await asyncio.sleep(0.2)
            client = next(iter(server._clients))
            client.wake.clear()
            for index in range(1, 6):  # offered in one loop turn: the sender can take only the last
                server._on_frame(EncodedFrame(Stamp(index, 0), "cam", 4, 4, b"j", index))
            header, _ = await receive_until(ws, lambda v: isinstance(v, tuple))
            assert header["sec"] == 5 and client.frames_dropped == 4 and client.frames_sent == 1
    serve(test)


def test_requests_beyond_the_in_flight_limit_are_refused_not_queued():
    class SlowLink(RecordingLink):
        def __init__(self) -> None:
            super().__init__()
            self.release = asyncio.Event()

        async def clear(self) -> Reply:
            await self.release.wait()
            return await super().clear()

    async def main():
        link = SlowLink()
        server = TeleopServer(link, ServerConfig("127.0.0.1", 0))
        base = (await server.start()).rstrip("/")
        try:
            async with aiohttp.ClientSession() as session, session.ws_connect(base + "/ws") as ws:
                for index in range(MAX_IN_FLIGHT + 2):
                    await ws.send_str(json.dumps({"op": "clear", "id": index}))
                for _ in range(2):
                    error = await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "error")
                    assert "already waiting for the tracker" in error["message"]
                link.release.set()
                ids = set()
                for _ in range(MAX_IN_FLIGHT):
                    ids.add((await receive_until(ws, lambda v: isinstance(v, dict) and v.get("type") == "reply"))["id"])
                assert len(ids) == MAX_IN_FLIGHT and len(link.requests) == MAX_IN_FLIGHT
        finally:
            await server.stop()
    asyncio.run(main())


def test_the_page_may_not_be_framed_by_other_sites():
    async def test(server, link, base, session):
        async with session.get(base + "/") as response:
            assert response.headers["X-Frame-Options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    serve(test)


def test_a_failing_link_becomes_a_failed_answer_and_the_server_stays_up():
    class BrokenLink(RecordingLink):
        async def set_target(self, request: SetTarget) -> Reply:
            raise RuntimeError("context is shut down")

    async def main():
        server = TeleopServer(BrokenLink(), ServerConfig("127.0.0.1", 0))
        base = (await server.start()).rstrip("/")
        try:
            async with aiohttp.ClientSession() as session:
                body = {"stamp": {"sec": 1, "nanosec": 0}, "box": [1, 2, 3, 4]}
                async with session.post(base + "/api/set_target", json=body) as response:
                    answer = await response.json()
                assert not answer["success"] and "RuntimeError: context is shut down" in answer["message"]
                async with session.post(base + "/api/clear") as response:
                    assert (await response.json())["success"]
        finally:
            await server.stop()
    asyncio.run(main())
