// SMAT teleop page: live frames with their stamps, drag a box -> set_target on the frame on screen, state and box.
"use strict";

const STATE_NAMES = ["IDLE", "TRACKING", "LOST"];
const MIN_BOX_PX = 4;  // smaller drags are taken as clicks, not boxes
const RECENT_S = 3;  // decoded frames kept so that a box can be shown on the frame it belongs to
const RECENT_MAX = 90;
const TRACKER_ALIVE_MS = 1000;  // synced video only while detections keep coming

const canvas = document.getElementById("video");
const context = canvas.getContext("2d");
const view = document.getElementById("view");
const $ = (id) => document.getElementById(id);

// Everything the page knows, also read by the browser tests (window.teleop).
const teleop = window.teleop = {
  connected: false,
  framesDecoded: 0,
  framesSkipped: 0,   // arrived while the previous one was still being decoded
  framesShown: 0,
  syncVideo: true,    // while tracking, show each frame with its own box (the video lags by the tracker's latency)
  frame: null,        // {sec, nanosec, width, height, seq, bitmap} of the frame on screen
  frozen: null,       // the frame held while a box is drawn
  drag: null,         // {x0, y0, x1, y1} in frame pixels
  lastRequest: null,  // the last request sent
  lastReply: null,    // the last answer (reply or error)
  status: null, detections: null, target: null, stats: null,
};
const shownTimes = [];
const recent = [];  // decoded frames, oldest first
let detectionsAt = -Infinity;
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
  if (pendingPacket !== null) teleop.framesSkipped += 1;
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
    header.key = stampKey(header);
    teleop.framesDecoded += 1;
    recent.push(header);
    prune();
    if (!synced()) show(header);
  }
  decoding = false;
}

function stampKey(message) {
  return message.sec + "." + String(message.nanosec).padStart(9, "0");
}

function stampMs(message) {
  return message.sec * 1000 + message.nanosec / 1e6;
}

function release(frame) {
  // close a frame's bitmap once it is neither kept, on screen, nor held for drawing
  if (frame && frame.dropped && frame !== teleop.frame && frame !== teleop.frozen) frame.bitmap.close();
}

function prune() {
  const newest = stampMs(recent[recent.length - 1]);
  while (recent.length > RECENT_MAX || (recent.length && newest - stampMs(recent[0]) > RECENT_S * 1000)) {
    const frame = recent.shift();
    frame.dropped = true;
    release(frame);
  }
}

function synced() {
  // box-synced video: the user wants it, a target is set and the tracker is publishing
  const status = teleop.status;
  return teleop.syncVideo && status !== null && status.state !== 0 &&
    performance.now() - detectionsAt < TRACKER_ALIVE_MS;
}

function show(frame) {
  if (frame === teleop.frame) return;
  const previous = teleop.frame;
  teleop.frame = frame;
  teleop.framesShown += 1;
  shownTimes.push(performance.now());
  release(previous);
  if (!teleop.frozen) draw();
}

function onDetections(event) {
  teleop.detections = event;
  event.key = stampKey(event);
  detectionsAt = performance.now();
  if (!synced()) { draw(); return; }
  // the frame these boxes belong to, else the newest one before it
  const time = stampMs(event);
  const frame = recent.find((f) => f.key === event.key) ||
    recent.filter((f) => stampMs(f) <= time).pop();
  if (frame && (!teleop.frame || stampMs(frame) >= stampMs(teleop.frame))) show(frame);
  else draw();
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
    const own = detections.key === frame.key;  // a box of another frame is drawn dashed
    for (const box of detections.boxes) {
      context.strokeStyle = "#3f3";
      context.lineWidth = lineWidth;
      context.setLineDash(own ? [] : [4, 6]);
      context.strokeRect(box.x * toCanvas, box.y * toCanvas, box.w * toCanvas, box.h * toCanvas);
    }
    context.setLineDash([]);
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
  else if (event.type === "detections") onDetections(event);
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
  teleop.heldAt = performance.now();
  const [x, y] = toFrame(event, teleop.frozen);
  teleop.drag = {x0: x, y0: y, x1: x, y1: y};
  draw();
});

canvas.addEventListener("pointermove", (event) => {
  if (!teleop.drag) return;
  event.preventDefault();
  [teleop.drag.x1, teleop.drag.y1] = toFrame(event, teleop.frozen);
  const held = (performance.now() - teleop.heldAt) / 1000;
  if (held > 0.5) showAnswer(true, "video held " + held.toFixed(1) + " s: release within the tracker's frame_buffer_s");
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
  release(frame);
  draw();
}

canvas.addEventListener("pointerup", (event) => endDrag(event, false));
canvas.addEventListener("pointercancel", (event) => endDrag(event, true));
$("clear").addEventListener("click", clearTarget);
$("sync").addEventListener("change", (event) => {
  teleop.syncVideo = event.target.checked;
  if (!teleop.syncVideo && recent.length) show(recent[recent.length - 1]);
});
window.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (teleop.drag) endDrag(event, true);
  else clearTarget();
});
window.addEventListener("resize", draw);

connect();
