"""The teleop web server (aiohttp): the page, live JPEG frames and tracker events over a WebSocket, target requests.

aiohttp is one well-kept asyncio dependency that serves both the static page and WebSockets, so the server runs in
one event loop beside the ROS executor thread without a separate ASGI server. Routes:

- ``GET /``                  the page (``static/index.html``); ``GET /static/<file>`` its script and style
- ``GET /ws``                WebSocket: binary frame packets and JSON events out, JSON requests in
- ``POST /api/set_target``   ``{"stamp": {"sec", "nanosec"}, "box": [x, y, w, h]}`` -> the tracker's answer
- ``POST /api/clear``        clear the target
- ``GET /api/state``         the latest status, detections, target and counters as JSON

With a token set, every route refuses a request without it (``?token=``, ``Authorization: Bearer`` or the cookie the
page sets). A WebSocket whose ``Origin`` is another site is refused (no cross-site control of the robot).
Each client gets the newest frame only: frames it was too slow to take are dropped and counted.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from smat_ros.teleop.protocol import EncodedFrame, Request, RequestError, SetTarget, parse_request
from smat_ros.teleop.rate import RateMeter

LOG = logging.getLogger(__name__)
TOKEN_COOKIE = "smat_teleop_token"
STATIC_FILES = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
STATS_PERIOD_S = 0.5
MAX_IN_FLIGHT = 8  # requests of one page waiting for the tracker; more are refused, not queued


def _security_headers(request: web.Request) -> dict[str, str]:
    """Headers that keep other sites from framing the page or the page from talking to other hosts."""
    host = request.host
    return {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": f"default-src 'self'; connect-src 'self' ws://{host} wss://{host}; "
                                       f"frame-ancestors 'none'"}


@dataclasses.dataclass(frozen=True)
class Reply:
    """The tracker's answer to a request."""

    success: bool
    message: str
    track_id: str = ""


class TrackerLink(Protocol):
    """What the server needs from the tracker (the ROS node implements it with service calls)."""

    async def set_target(self, request: SetTarget) -> Reply:
        """Start a track on the frame named by the request's stamp."""

    async def clear(self) -> Reply:
        """Forget the target."""


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """Where the server listens and who may use it."""

    host: str = "127.0.0.1"
    port: int = 8080
    token: str = ""


class Client:
    """One connected page: the newest frame and the newest event of each kind wait for its sender task."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.frame: EncodedFrame | None = None
        self.events: dict[str, str] = {}  # latest JSON per event type (status, detections, ...)
        self.replies: list[str] = []  # answers to this client's requests: never dropped
        self.wake = asyncio.Event()
        self.frames_sent = 0
        self.frames_dropped = 0
        self.in_flight = 0  # requests waiting for the tracker

    def offer_frame(self, frame: EncodedFrame) -> None:
        """Make ``frame`` the next one to send (an unsent older one is dropped)."""
        if self.frame is not None:
            self.frames_dropped += 1
        self.frame = frame
        self.wake.set()

    def offer_event(self, kind: str, text: str) -> None:
        """Queue an event; only the newest of each kind is kept."""
        self.events[kind] = text
        self.wake.set()

    def reply(self, text: str) -> None:
        """Queue an answer to one of this client's requests."""
        self.replies.append(text)
        self.wake.set()

    async def send_loop(self) -> None:
        """Send replies, events and the newest frame whenever there are some, until the socket closes."""
        try:
            while not self.ws.closed:
                await self.wake.wait()
                self.wake.clear()
                replies, self.replies = self.replies, []
                events, self.events = list(self.events.values()), {}
                for text in replies + events:
                    await self.ws.send_str(text)
                frame, self.frame = self.frame, None
                if frame is not None:
                    await self.ws.send_bytes(frame.packet())
                    self.frames_sent += 1
        except ConnectionError as exc:  # the page went away mid-send: its handler cleans up
            LOG.info("stopped sending to a page: %s", exc)


class TeleopServer:
    """The aiohttp application and the connected clients; feed it with ``post_frame`` / ``post_event``."""

    def __init__(self, link: TrackerLink, config: ServerConfig,
                 stats: Callable[[], dict[str, Any]] = dict) -> None:
        self.link = link
        self.config = config
        self._stats = stats
        self._clients: set[Client] = set()
        self._latest: dict[str, Any] = {}
        self._frame_meter = RateMeter()
        self.frames_in = 0
        self.requests_refused = 0  # malformed requests
        self.unauthorized = 0  # requests without the token
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._stats_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()  # requests being answered (kept referenced until done)
        self.app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        self.app.add_routes([
            web.get("/", self._page),
            web.get("/static/{name}", self._static),
            web.get("/ws", self._websocket),
            web.post("/api/set_target", self._api_set_target),
            web.post("/api/clear", self._api_clear),
            web.get("/api/state", self._api_state),
        ])

    # ---- lifecycle --------------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on the configured host and port; the page's URL (port 0 picks a free port)."""
        self._loop = asyncio.get_running_loop()
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self._stats_task = asyncio.create_task(self._stats_loop())
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{port}/" + (f"?token={self.config.token}" if self.config.token else "")

    async def stop(self) -> None:
        """Close every client and stop listening."""
        if self._stats_task is not None:
            self._stats_task.cancel()
        for client in list(self._clients):
            await client.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- input from other threads -----------------------------------------------------------------------------

    def post_frame(self, frame: EncodedFrame) -> None:
        """Send ``frame`` to every client (thread-safe: called by the encoder thread)."""
        self._call_soon(self._on_frame, frame)

    def post_event(self, kind: str, event: dict[str, Any]) -> None:
        """Send a JSON event of type ``kind`` to every client (thread-safe: called by ROS callbacks)."""
        self._call_soon(self._on_event, kind, event)

    def _call_soon(self, function: Callable[..., None], *args: Any) -> None:
        """Run ``function(*args)`` in the server's loop (nothing before start or after the loop closed)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(function, *args)
            except RuntimeError:  # the loop closed in between: shutting down
                pass

    def _on_frame(self, frame: EncodedFrame) -> None:
        """Offer a frame to every client (in the loop)."""
        self.frames_in += 1
        self._frame_meter.tick()
        for client in self._clients:
            client.offer_frame(frame)

    def _on_event(self, kind: str, event: dict[str, Any]) -> None:
        """Remember an event and offer it to every client (in the loop)."""
        event = {"type": kind, **event}
        self._latest[kind] = event
        text = json.dumps(event)
        for client in self._clients:
            client.offer_event(kind, text)

    # ---- access control ---------------------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        """Whether the request carries the token (always true without one)."""
        token = self.config.token
        if not token:
            return True
        header = request.headers.get("Authorization", "")
        candidates = [request.query.get("token", ""), request.cookies.get(TOKEN_COOKIE, ""),
                      header[7:] if header.startswith("Bearer ") else ""]
        return any(hmac.compare_digest(c.encode(), token.encode()) for c in candidates if c)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                     ) -> web.StreamResponse:
        """Refuse requests without the token (401) and WebSockets from other sites (403)."""
        if not self._authorized(request):
            self.unauthorized += 1
            LOG.warning("refused %s %s from %s: missing or wrong token", request.method, request.path,
                        request.remote)
            return web.json_response({"error": "missing or wrong access token: open the URL with ?token=..."},
                                     status=401)
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin and urlsplit(origin).netloc != request.host:
            self.unauthorized += 1
            return web.json_response({"error": f"WebSocket from another origin ({origin}) refused"}, status=403)
        return await handler(request)

    # ---- routes -----------------------------------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        """The page; with a token it also sets the cookie its script, style and WebSocket use."""
        response = web.Response(text=_static_text("index.html"), content_type="text/html",
                                headers=_security_headers(request))
        if self.config.token:
            response.set_cookie(TOKEN_COOKIE, self.config.token, httponly=True, samesite="Strict")
        return response

    async def _static(self, request: web.Request) -> web.Response:
        """The page's script and style."""
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound(text=f"no static file {name!r}")
        return web.Response(text=_static_text(name), content_type=STATIC_FILES[name],
                            headers=_security_headers(request))

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One page's WebSocket: frames and events out, requests in."""
        ws = web.WebSocketResponse(heartbeat=10.0, max_msg_size=64 * 1024)
        await ws.prepare(request)
        client = Client(ws)
        self._clients.add(client)
        for kind, event in self._latest.items():
            client.offer_event(kind, json.dumps(event))
        sender = asyncio.create_task(client.send_loop())
        LOG.info("page connected from %s (%d open)", request.remote, len(self._clients))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    task = asyncio.create_task(self._answer(client, message.data))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                elif message.type == WSMsgType.BINARY:
                    self.requests_refused += 1
                    client.reply(json.dumps({"type": "error", "message": "binary messages are not requests: send "
                                                                         "JSON text"}))
        finally:
            self._clients.discard(client)
            sender.cancel()
            LOG.info("page from %s disconnected (%d open)", request.remote, len(self._clients))
        return ws

    async def _answer(self, client: Client, text: str) -> None:
        """Parse one WebSocket request, forward it to the tracker and queue the answer for the client."""
        try:
            request = parse_request(text)
        except RequestError as exc:
            self.requests_refused += 1
            LOG.warning("refused a request: %s", exc)
            client.reply(json.dumps({"type": "error", "message": str(exc)}))
            return
        if client.in_flight >= MAX_IN_FLIGHT:
            self.requests_refused += 1
            client.reply(json.dumps({"type": "error", "message": f"{MAX_IN_FLIGHT} requests are already waiting for "
                                                                 f"the tracker: wait for their answers"}))
            return
        client.in_flight += 1
        try:
            reply = await self._forward(request)
        finally:
            client.in_flight -= 1
        client.reply(json.dumps({"type": "reply", "op": _op(request), "id": request.request_id,
                                 **dataclasses.asdict(reply)}))

    async def _forward(self, request: Request) -> Reply:
        """The tracker's answer to a parsed request (a failed Reply if asking it failed)."""
        try:
            if isinstance(request, SetTarget):
                return await self.link.set_target(request)
            return await self.link.clear()
        except Exception as exc:  # noqa: BLE001 - any failure of the link becomes an answer, the server stays up
            LOG.exception("%s failed", _op(request))
            return Reply(False, f"{_op(request)} failed in the UI: {type(exc).__name__}: {exc}")

    async def _api(self, request: web.Request, op: str) -> web.Response:
        """Shared HTTP handler: parse the JSON body as ``op``, forward, answer 200 or 400."""
        body = await request.read()
        try:
            fields = json.loads(body or b"{}")
            if not isinstance(fields, dict):
                raise RequestError(f"request body must be a JSON object, got {type(fields).__name__}")
            parsed = parse_request({**fields, "op": op})
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.requests_refused += 1
            return web.json_response({"error": f"request body is not JSON: {exc}"}, status=400)
        except RequestError as exc:
            self.requests_refused += 1
            return web.json_response({"error": str(exc)}, status=400)
        reply = await self._forward(parsed)
        return web.json_response(dataclasses.asdict(reply))

    async def _api_set_target(self, request: web.Request) -> web.Response:
        """POST /api/set_target."""
        return await self._api(request, "set_target")

    async def _api_clear(self, request: web.Request) -> web.Response:
        """POST /api/clear."""
        return await self._api(request, "clear")

    async def _api_state(self, request: web.Request) -> web.Response:
        """GET /api/state: the latest events and the counters."""
        return web.json_response({**self._latest, "stats": self.stats()})

    # ---- counters ---------------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """The server's counters and rates, with the node's (``stats`` callable)."""
        return {
            "clients": len(self._clients),
            "frames_in": self.frames_in,
            "frames_in_fps": round(self._frame_meter.rate(), 2),
            "frames_sent": sum(c.frames_sent for c in self._clients),
            "frames_dropped_clients": sum(c.frames_dropped for c in self._clients),
            "requests_refused": self.requests_refused,
            "unauthorized": self.unauthorized,
            **self._stats(),
        }

    async def _stats_loop(self) -> None:
        """Send the counters to every client twice a second."""
        while True:
            await asyncio.sleep(STATS_PERIOD_S)
            self._on_event("stats", self.stats())


def _op(request: Request) -> str:
    """The op name of a parsed request."""
    return "set_target" if isinstance(request, SetTarget) else "clear"


def _static_text(name: str) -> str:
    """The text of a file of the page (installed with the package)."""
    return resources.files("smat_ros.teleop").joinpath("static", name).read_text(encoding="utf-8")

