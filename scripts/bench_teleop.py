#!/usr/bin/env python3
"""Frame rate of the teleop page against the camera rate, with the tracker tracking (the image path never waits).

Starts the tracker node (demo weights) and teleop_ui as their own processes, publishes the vtest_person frames as a
camera from this process (forwards and backwards, wall-clock stamps), opens the page in headless chromium, drags a
box on the person (frame 0, held still), then for each camera rate measures over --seconds: frames the UI received,
encoded and dropped, frames the page showed, the page's delay (now - stamp of the frame on screen) and the
tracker's rate. Prints a Markdown table. --screenshot writes the page while tracking (docs/teleop_ui.png).
Run: .venv/bin/python scripts/bench_teleop.py --rates 10 30 --seconds 15
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import rclpy
from PIL import Image as PILImage
from rclpy.context import Context
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.time import Time
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from smat_ros.ros.conversions import rgb_to_image
from smat_ros.video import list_images, read_image
from smat_ros.weights import demo_weights

ROOT = Path(__file__).resolve().parents[1]
SEQUENCE = ROOT / "test" / "fixtures" / "vtest_person"
PROFILE = ROOT / "config" / "fastdds_localhost.xml"


class Camera:
    """Publishes the frames forwards then backwards at ``rate_hz`` (``hold``: frame 0 only) from a thread."""

    def __init__(self, node: Node, frames: list) -> None:
        self.publisher = node.create_publisher(Image, "image", QoSProfile(depth=5))
        self.frames = frames
        self.rate_hz = 10.0
        self.hold = True
        self.published = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Publish until closed."""
        order = list(range(len(self.frames))) + list(range(len(self.frames) - 2, 0, -1))
        step, next_time = 0, time.monotonic()
        while not self._stop.is_set():
            index = 0 if self.hold else order[step % len(order)]
            step += 0 if self.hold else 1
            header = Header(stamp=Time(nanoseconds=time.time_ns()).to_msg(), frame_id="camera")
            self.publisher.publish(rgb_to_image(self.frames[index], header, "bgr8"))
            self.published += 1
            next_time += 1.0 / self.rate_hz
            self._stop.wait(max(0.0, next_time - time.monotonic()))

    def close(self) -> None:
        """Stop publishing."""
        self._stop.set()
        self._thread.join()


def start(module: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A node process with its output in ``log``."""
    return subprocess.Popen([sys.executable, "-m", module, "--ros-args", *args], cwd=ROOT, env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)


def wait_for(condition, timeout_s: float, what: str):
    """Poll until ``condition()`` is truthy; its value (SystemExit on timeout)."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            sys.exit(f"bench_teleop: timed out waiting for {what}")
        time.sleep(0.1)
    return value


def save_small_png(png: bytes, path: Path, width: int = 800) -> None:
    """Write a screenshot ``width`` pixels wide with a 96-colour palette (about 100 KB for the README)."""
    image = PILImage.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), PILImage.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=96, method=PILImage.Quantize.MEDIANCUT, dither=PILImage.Dither.NONE).save(path, optimize=True)


def api_state(url: str) -> dict:
    """The UI's /api/state."""
    with urllib.request.urlopen(url + "api/state", timeout=10) as response:
        return json.loads(response.read())


def drag_init_box(browser, box: tuple[float, ...]) -> None:
    """Drag ``box`` (frame pixels of the 768x576 frame) on the page's video with the mouse."""
    left, top, sx, sy = browser.execute_script(
        "const r = document.getElementById('video').getBoundingClientRect();"
        "return [r.left, r.top, r.width / teleop.frame.width, r.height / teleop.frame.height];")
    x, y, w, h = box
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(round(left + x * sx), round(top + y * sy)).pointer_down()
    actions.pointer_action.move_to_location(round(left + (x + w) * sx), round(top + (y + h) * sy)).pointer_up()
    actions.perform()


def measure(browser, camera: Camera, url: str, seconds: float) -> dict:
    """Rates and drops over ``seconds`` at the camera's current rate."""
    page = ("return [teleop.framesShown, teleop.framesDecoded, teleop.framesSkipped, "
            "Date.now() - (teleop.frame.sec * 1000 + teleop.frame.nanosec / 1e6)];")
    state0, page0, published0, t0 = api_state(url), browser.execute_script(page), camera.published, time.time()
    delays = []
    while time.time() - t0 < seconds:
        delays.append(browser.execute_script(page)[3])
        time.sleep(0.25)
    state1, page1, published1, t1 = api_state(url), browser.execute_script(page), camera.published, time.time()
    span = t1 - t0
    s0, s1 = state0["stats"], state1["stats"]
    status0, status1 = state0.get("status", {}), state1.get("status", {})
    return {
        "camera": (published1 - published0) / span,
        "received": (s1["frames_in"] - s0["frames_in"]) / span,
        "decoded": (page1[1] - page0[1]) / span,
        "shown": (page1[0] - page0[0]) / span,
        "page_skipped": page1[2] - page0[2],
        "encoder_dropped": s1["frames_dropped_encoder"] - s0["frames_dropped_encoder"],
        "client_dropped": s1["frames_dropped_clients"] - s0["frames_dropped_clients"],
        "delay_ms": statistics.median(delays),
        "tracker": (status1.get("frames_processed", 0) - status0.get("frames_processed", 0)) / span,
        "state": status1.get("state"),
    }


def main() -> int:
    """Start everything, draw the target from the page, measure each rate, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[10.0, 30.0], help="camera rates in Hz")
    parser.add_argument("--seconds", type=float, default=15.0, help="measurement time per rate")
    parser.add_argument("--checkpoint", default="", help="tracker weights (default: the bundled demo weights)")
    parser.add_argument("--screenshot", type=Path, help="write a PNG of the page while tracking")
    parser.add_argument("--domain", type=int, default=int(os.environ.get("ROS_DOMAIN_ID", 77)), help="ROS domain id")
    args = parser.parse_args()
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        sys.exit("bench_teleop: chromium and chromium-driver are needed (bash scripts/install_browser.sh)")
    checkpoint = args.checkpoint or str(demo_weights("no --checkpoint given", print))
    env = dict(os.environ, ROS_DOMAIN_ID=str(args.domain), FASTRTPS_DEFAULT_PROFILES_FILE=str(PROFILE))
    os.environ.update(FASTRTPS_DEFAULT_PROFILES_FILE=str(PROFILE))
    logs = ROOT / "out" / "bench_teleop"
    logs.mkdir(parents=True, exist_ok=True)
    frames = [read_image(path) for path in list_images(SEQUENCE / "img")]
    init_box = tuple(float(v) for v in (SEQUENCE / "init.txt").read_text().split(","))

    tracker = start("smat_ros.ros.node", ["-p", f"checkpoint:={checkpoint}", "-p", "frame_buffer_s:=5.0"], env,
                    logs / "tracker.log")
    ui = start("smat_ros.ros.teleop_ui", ["-p", "port:=0"], env, logs / "teleop_ui.log")
    context = Context()
    rclpy.init(context=context, domain_id=args.domain)
    node = Node("bench_camera", context=context)
    camera = Camera(node, frames)
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,760",
                     "--force-device-scale-factor=1"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        pattern = re.compile(r"teleop UI at (http://\S+?/)")
        url = wait_for(lambda: pattern.search((logs / "teleop_ui.log").read_text()), 60, "the UI").group(1)
        browser.get(url)
        wait_for(lambda: browser.execute_script("return teleop.framesShown") > 5, 120, "frames on the page")
        wait_for(lambda: "active" in (logs / "tracker.log").read_text() or "tracking on" in
                 (logs / "tracker.log").read_text(), 120, "the tracker")
        drag_init_box(browser, init_box)
        reply = wait_for(lambda: browser.execute_script("return teleop.lastReply"), 60, "the tracker's answer")
        print(f"set_target from the page: {reply['success']}: {reply['message']}", file=sys.stderr)
        camera.rate_hz = args.rates[0]
        camera.hold = False
        if args.screenshot:  # the page while the person walks and the track's box follows
            time.sleep(1.5)
            wait_for(lambda: browser.execute_script(
                "return teleop.status && teleop.status.state === 1 && teleop.detections.boxes.length === 1"),
                30, "TRACKING with a box on the page")
            save_small_png(browser.get_screenshot_as_png(), args.screenshot)
            print(f"screenshot: {args.screenshot}", file=sys.stderr)
        rows = []
        for rate in args.rates:
            camera.rate_hz = rate
            time.sleep(3.0)
            rows.append(measure(browser, camera, url, args.seconds))
    finally:
        browser.quit()
        camera.close()
        node.destroy_node()
        rclpy.shutdown(context=context)
        for process in (ui, tracker):
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"\n768x576 frames, {os.cpu_count()} CPUs, tracker on {Path(checkpoint).name}, "
          f"{args.seconds:.0f} s per rate\n")
    print("| camera fps (sent) | UI received fps | page decoded fps | page shown fps (box-synced) | encoder drops | "
          "send drops | decode drops | page delay ms (median) | tracker fps | state |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    names = {0: "IDLE", 1: "TRACKING", 2: "LOST"}
    for row in rows:
        print(f"| {row['camera']:.1f} | {row['received']:.1f} | {row['decoded']:.1f} | {row['shown']:.1f} | "
              f"{row['encoder_dropped']} | {row['client_dropped']} | {row['page_skipped']} | {row['delay_ms']:.0f} | "
              f"{row['tracker']:.1f} | {names.get(row['state'], '?')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
