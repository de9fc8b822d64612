// SMAT teleop page: live frames with their stamps, drag a box -> set_target on the frame on screen, state and box.
"use strict";

const STATE_NAMES = ["IDLE", "TRACKING", "LOST"];
const MIN_BOX_PX = 4;  // smaller drags are taken as clicks, not boxes

const canvas = document.getElementById("video");
const context = canvas.getContext("2d");
const view = document.getElementById("view");
const $ = (id) => document.getElementById(id);

// Everything the page knows, also read by the browser tests (window.teleop).
const teleop = window.teleop = {
  connected: false,
  framesShown: 0,
  frame: null,        // {sec, nanosec, width, height, seq, bitmap} of the frame on screen
  frozen: null,       // the frame held while a box is drawn
  drag: null,         // {x0, y0, x1, y1} in frame pixels
  lastRequest: null,  // the last request sent
  lastReply: null,    // the last answer (reply or error)
  status: null, detections: null, target: null, stats: null,
};
const shownTimes = [];
let socket = null;
let decoding = false;
let pendingPacket = null;
let requestId = 0;

function connect() {
  const token = new URLSearchParams(location.search).get("token");
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" +
    (token ? "?token=" + encodeURIComponent(token) : "");
  socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { teleop.connected = true; $("connection").textContent = "connected"; };
  socket.onclose = () => {
    teleop.connected = false;
    $("connection").textContent = "disconnected: retrying...";
    setTimeout(connect, 1000);
  };
  socket.onmessage = (message) => {
    if (typeof message.data === "string") onEvent(JSON.parse(message.data));
    else onPacket(message.data);
  };
}

// ---- frames -------------------------------------------------------------------------------------------------

function onPacket(buffer) {
  pendingPacket = buffer;  // the newest frame wins while one is being decoded
  if (!decoding) decodeNext();
}

async function decodeNext() {
  decoding = true;
  while (pendingPacket !== null) {
    const buffer = pendingPacket;
    pendingPacket = null;
    const length = new DataView(buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
    try {
      header.bitmap = await createImageBitmap(new Blob([new Uint8Array(buffer, 4 + length)], {type: "image/jpeg"}));
    } catch (error) {
      showAnswer(false, "a frame could not be decoded: " + error);
      continue;
    }
    if (teleop.frame && teleop.frame.bitmap && teleop.frame !== teleop.frozen) teleop.frame.bitmap.close();
    teleop.frame = header;
    teleop.framesShown += 1;
    shownTimes.push(performance.now());
    if (!teleop.frozen) draw();
  }
  decoding = false;
}

function fitCanvas() {
  const frame = teleop.frozen || teleop.frame;
  if (!frame) return;
  if (canvas.width !== frame.bitmap.width || canvas.height !== frame.bitmap.height) {
    canvas.width = frame.bitmap.width;
    canvas.height = frame.bitmap.height;
  }
  const scale = Math.min(view.clientWidth / canvas.width, view.clientHeight / canvas.height);
  canvas.style.width = Math.floor(canvas.width * scale) + "px";
  canvas.style.height = Math.floor(canvas.height * scale) + "px";
}

function draw() {
  const frame = teleop.frozen || teleop.frame;
  if (!frame) return;
  fitCanvas();
  context.drawImage(frame.bitmap, 0, 0);
  const toCanvas = canvas.width / frame.width;  // frame pixels -> canvas pixels (the JPEG may be smaller)
  const lineWidth = Math.max(2, canvas.width / 320);
  const detections = teleop.detections;
  if (detections && !teleop.frozen) {
    for (const box of detections.boxes) {
      context.strokeStyle = "#3f3";
      context.lineWidth = lineWidth;
      context.strokeRect(box.x * toCanvas, box.y * toCanvas, box.w * toCanvas, box.h * toCanvas);
    }
  }
  if (teleop.drag) {
    const box = dragBox();
    context.strokeStyle = "#ff0";
    context.lineWidth = lineWidth;
    context.setLineDash([8, 6]);
    context.strokeRect(box[0] * toCanvas, box[1] * toCanvas, box[2] * toCanvas, box[3] * toCanvas);
    context.setLineDash([]);
  }
}

// ---- events from the server ---------------------------------------------------------------------------------

function onEvent(event) {
  if (event.type === "status") showStatus(event);
  else if (event.type === "detections") { teleop.detections = event; draw(); }
  else if (event.type === "target") showTarget(event);
  else if (event.type === "stats") showStats(event);
  else if (event.type === "reply") {
    teleop.lastReply = event;
    const what = event.op === "clear" ? "clear: " : "";
    showAnswer(event.success, what + event.message);
  } else if (event.type === "error") {
    teleop.lastReply = event;
    showAnswer(false, "refused: " + event.message);
  }
}

function showStatus(status) {
  teleop.status = status;
  const name = STATE_NAMES[status.state] || "?";
  const badge = $("state");
  badge.textContent = name;
  badge.className = "state " + name.toLowerCase();
  $("score").textContent = status.state === 0 ? "-" : status.score.toFixed(2);
  $("tracker-fps").textContent = status.fps.toFixed(1);
  $("latency").textContent = status.latency_ms.toFixed(0);
  $("track").textContent = status.track_id ? "track " + status.track_id.slice(0, 8) : "";
  $("track").title = status.last_error || "";
}

function showTarget(target) {
  teleop.target = target;
  const bearing = $("bearing");
  bearing.hidden = !target.has_bearing;
  if (target.has_bearing) {
    const degrees = (radians) => (radians * 180 / Math.PI).toFixed(1);
    bearing.textContent = "bearing " + degrees(target.azimuth) + "\u00b0 / " + degrees(target.elevation) + "\u00b0";
  }
}

function showStats(stats) {
  teleop.stats = stats;
  $("camera-fps").textContent = stats.camera_fps.toFixed(1);
  const now = performance.now();
  while (shownTimes.length && now - shownTimes[0] > 2000) shownTimes.shift();
  const pageFps = shownTimes.length > 1 ? (shownTimes.length - 1) * 1000 / (now - shownTimes[0]) : 0;
  teleop.pageFps = pageFps;
  $("page-fps").textContent = pageFps.toFixed(1);
  const frame = teleop.frame;
  if (frame) {
    const delay = Date.now() - (frame.sec * 1000 + frame.nanosec / 1e6);
    $("delay").textContent = Math.abs(delay) < 3600e3 ? delay.toFixed(0) : "n/a";
  }
}

function showAnswer(ok, text) {
  const answer = $("answer");
  answer.textContent = text;
  answer.className = ok ? "ok" : "error";
}

// ---- requests -----------------------------------------------------------------------------------------------

function send(request) {
  request.id = ++requestId;
  teleop.lastRequest = request;
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showAnswer(false, "not connected to the teleop server");
    return;
  }
  socket.send(JSON.stringify(request));
}

function clearTarget() { send({op: "clear"}); }

// ---- drawing a box (mouse, pen and touch through pointer events) ---------------------------------------------

function toFrame(event, frame) {
  const rect = canvas.getBoundingClientRect();
  const x = (event.clientX - rect.left) * frame.width / rect.width;
  const y = (event.clientY - rect.top) * frame.height / rect.height;
  return [Math.min(Math.max(x, 0), frame.width), Math.min(Math.max(y, 0), frame.height)];
}

function dragBox() {
  const d = teleop.drag;
  return [Math.min(d.x0, d.x1), Math.min(d.y0, d.y1), Math.abs(d.x1 - d.x0), Math.abs(d.y1 - d.y0)];
}

canvas.addEventListener("pointerdown", (event) => {
  if (!teleop.frame || event.button !== 0) return;
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  teleop.frozen = teleop.frame;  // hold the frame on screen: the box is drawn on it and names its stamp
  const [x, y] = toFrame(event, teleop.frozen);
  teleop.drag = {x0: x, y0: y, x1: x, y1: y};
  draw();
});

canvas.addEventListener("pointermove", (event) => {
  if (!teleop.drag) return;
  event.preventDefault();
  [teleop.drag.x1, teleop.drag.y1] = toFrame(event, teleop.frozen);
  draw();
});

function endDrag(event, cancelled) {
  if (!teleop.drag) return;
  if (!cancelled) [teleop.drag.x1, teleop.drag.y1] = toFrame(event, teleop.frozen);
  const box = dragBox();
  const frame = teleop.frozen;
  teleop.drag = null;
  teleop.frozen = null;
  if (cancelled) { draw(); return; }
  if (box[2] < MIN_BOX_PX || box[3] < MIN_BOX_PX) {
    showAnswer(false, "box too small: drag a box around the object");
  } else {
    send({op: "set_target", stamp: {sec: frame.sec, nanosec: frame.nanosec}, box: box});
    showAnswer(true, "asking the tracker...");
  }
  if (frame !== teleop.frame && frame.bitmap) frame.bitmap.close();
  draw();
}

canvas.addEventListener("pointerup", (event) => endDrag(event, false));
canvas.addEventListener("pointercancel", (event) => endDrag(event, true));
$("clear").addEventListener("click", clearTarget);
window.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (teleop.drag) endDrag(event, true);
  else clearTarget();
});
window.addEventListener("resize", draw);

connect();
