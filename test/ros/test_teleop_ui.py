"""The teleop UI in a real browser (Debian's chromium, headless, driven by selenium) against the real tracker node
over DDS: frames with stamps on the page, a mouse drag starts a track on the frame that was on screen, Clear and Esc
go IDLE, the token keeps others out, malformed requests get clear errors.

A camera thread in this process publishes the vtest_person frames with wall-clock stamps at 10 Hz; the test chooses
which frame it shows (the person stands still at frame 0 while the box is drawn, then walks).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rclpy.qos import QoSProfile
from rclpy.time import Time
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from vision_msgs.msg import Detection2DArray

from smat_ros.msg import FollowTarget
from smat_ros.ros.clock import format_ns
from smat_ros.ros.conversions import bbox_to_box

CAMERA_PERIOD_S = 0.1
BOX_TOLERANCE_PX = 2.0
WAIT_S = 60.0


def wait_for(condition, timeout_s: float = WAIT_S, what: str = "condition"):
    """Poll ``condition()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Camera:
    """Publishes ``frames[index]`` with wall-clock stamps every CAMERA_PERIOD_S from a thread; keeps the stamps."""

    def __init__(self, driver, frames) -> None:
        self.driver, self.frames = driver, frames
        self.index = 0
        self.stamps: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(CAMERA_PERIOD_S):
            stamp = time.time_ns()
            self.driver.publish(self.frames[self.index], stamp)
            self.stamps.append(stamp)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def start_ui(ros, domain_id: int, workdir: Path, *args: str):
    """A teleop_ui process on a free port; (process, url without token)."""
    log_path = workdir / f"teleop_{len(list(workdir.glob('teleop_*.log')))}.log"
    process = ros.run_module("smat_ros.ros.teleop_ui", ["-p", "port:=0", *args], domain_id, log_path)
    url = re.compile(r"teleop UI at (http://\S+?/)")
    match = wait_for(lambda: process.poll() is not None or url.search(log_path.read_text()), what="the UI's URL")
    assert process.poll() is None, f"teleop_ui exited:\n{log_path.read_text()}"
    return process, match.group(1), log_path


@pytest.fixture(scope="module")
def browser():
    """Headless chromium (Debian's, with its chromedriver)."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and chromedriver, "chromium and chromium-driver are needed: bash scripts/install_browser.sh"
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1000,800", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def rig(ros, checkpoint_path, frames, tmp_path_factory):
    """Tracker node, camera, teleop UI, and a driver node recording every detections message."""
    workdir = tmp_path_factory.mktemp("teleop")
    process, driver = ros.launch_node(
        {"checkpoint": str(checkpoint_path), "lost_score_threshold": 0.0, "lost_score_ratio": 0.0, "threads": 1,
         "frame_buffer_s": 10.0},
        workdir)
    all_detections: list[Detection2DArray] = []
    driver.node.create_subscription(Detection2DArray, "/smat_tracker/detections", all_detections.append,
                                    QoSProfile(depth=100))
    domain_id = int(driver.context.get_domain_id())
    camera = Camera(driver, frames)
    ui, url, log_path = start_ui(ros, domain_id, workdir)
    spinning = threading.Event()
    spinner = threading.Thread(target=lambda: driver.spin_until(spinning.is_set, 3600.0), daemon=True)
    spinner.start()
    yield {"driver": driver, "camera": camera, "url": url, "detections": all_detections, "workdir": workdir,
           "domain_id": domain_id, "log": log_path}
    spinning.set()
    spinner.join()
    camera.close()
    driver.close()  # before the processes it hears from go (see Participant.wait_gone)
    ros.stop(ui)
    ros.stop(process)


def teleop(browser, expression: str):
    """The value of a JavaScript expression over the page's window.teleop."""
    return browser.execute_script(f"return {expression};")


def page_state(browser) -> str:
    """The state badge's text."""
    return browser.find_element(By.ID, "state").text


def test_page_loads_and_shows_frames_with_their_stamps(rig, browser):
    browser.get(rig["url"])
    wait_for(lambda: teleop(browser, "window.teleop.framesShown") >= 5, what="frames on the page")
    frame = teleop(browser, "{sec: teleop.frame.sec, nanosec: teleop.frame.nanosec, w: teleop.frame.width, "
                            "h: teleop.frame.height}")
    assert frame["sec"] * 1_000_000_000 + frame["nanosec"] in rig["camera"].stamps
    assert (frame["w"], frame["h"]) == (768, 576)
    canvas = browser.find_element(By.ID, "video")
    assert canvas.size["width"] > 300 and abs(canvas.size["width"] / canvas.size["height"] - 768 / 576) < 0.01
    wait_for(lambda: browser.find_element(By.ID, "camera-fps").text not in ("-", "0.0"), what="camera rate")
    assert page_state(browser) == "IDLE"


def drag(browser, start: tuple[int, int], end: tuple[int, int]) -> dict:
    """Drag with the mouse from ``start`` to ``end`` (viewport pixels); the stamp of the frame held while drawing."""
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(*start).pointer_down()
    actions.perform()
    held = teleop(browser, "teleop.frozen && {sec: teleop.frozen.sec, nanosec: teleop.frozen.nanosec}")
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location((start[0] + end[0]) // 2, (start[1] + end[1]) // 2)
    actions.pointer_action.move_to_location(*end).pointer_up()
    actions.perform()
    return held


def test_a_drag_over_the_person_tracks_from_the_frame_on_screen(rig, browser, ros):
    camera, driver = rig["camera"], rig["driver"]
    rect = teleop(browser, "(() => { const r = document.getElementById('video').getBoundingClientRect(); "
                           "return {left: r.left, top: r.top, width: r.width, height: r.height}; })()")
    sx, sy = rect["width"] / 768, rect["height"] / 576  # CSS pixels per frame pixel
    x, y, w, h = ros.init_box  # where the person stands in frame 0 (the camera shows it now)
    start = (round(rect["left"] + x * sx), round(rect["top"] + y * sy))
    end = (round(rect["left"] + (x + w) * sx), round(rect["top"] + (y + h) * sy))
    dragged = ((start[0] - rect["left"]) / sx, (start[1] - rect["top"]) / sy,
               (end[0] - start[0]) / sx, (end[1] - start[1]) / sy)  # the box in frame pixels
    held = drag(browser, start, end)
    assert held, "the page did not hold a frame while the box was drawn"
    held_ns = held["sec"] * 1_000_000_000 + held["nanosec"]
    assert held_ns in camera.stamps

    reply = wait_for(lambda: teleop(browser, "teleop.lastReply"), what="the tracker's answer on the page")
    assert reply["success"] and reply["track_id"], reply
    assert f"stamped {format_ns(held_ns)} s" in reply["message"]
    wait_for(lambda: reply["track_id"][:8] in browser.find_element(By.ID, "track").text,
             what="the track id on the page")
    request = teleop(browser, "teleop.lastRequest")
    assert request["stamp"] == held
    assert max(abs(a - b) for a, b in zip(request["box"], dragged, strict=True)) < 1e-6

    first = wait_for(lambda: next((d for d in list(rig["detections"])
                                   if d.detections and d.detections[0].id == reply["track_id"]), None),
                     what="the track's first detections")
    assert Time.from_msg(first.header.stamp).nanoseconds == held_ns  # named the frame that was on screen
    box = bbox_to_box(first.detections[0].bbox)
    assert max(abs(a - b) for a, b in zip(box, dragged, strict=True)) <= BOX_TOLERANCE_PX, (box, dragged)
    assert max(abs(a - b) for a, b in zip(box, ros.init_box, strict=True)) <= BOX_TOLERANCE_PX, (box, ros.init_box)

    for index in range(1, 12):  # the person walks on
        camera.index = index
        time.sleep(CAMERA_PERIOD_S)
    wait_for(lambda: page_state(browser) == "TRACKING", what="TRACKING on the page")
    assert driver.statuses[-1].state == ros.TrackStatus.TRACKING
    wait_for(lambda: teleop(browser, "teleop.detections && teleop.detections.boxes.length") == 1,
             what="the track's box on the page")
    wait_for(lambda: teleop(browser, "teleop.frame.key === teleop.detections.key"),
             what="the box shown on its own frame (box-synced video)")
    assert float(browser.find_element(By.ID, "score").text) >= 0.0
    screenshot = rig["workdir"] / "teleop_ui.png"
    browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("SMAT_SCREENSHOT_DIR"):  # the README's picture: SMAT_SCREENSHOT_DIR=docs
        shutil.copy(screenshot, Path(os.environ["SMAT_SCREENSHOT_DIR"]) / "teleop_ui.png")


def test_clear_button_and_escape_go_idle(rig, browser, ros):
    driver = rig["driver"]
    browser.find_element(By.ID, "clear").click()
    wait_for(lambda: page_state(browser) == "IDLE", what="IDLE after Clear")
    reply = wait_for(lambda: (lambda r: r if r and r["op"] == "clear" else None)(teleop(browser, "teleop.lastReply")),
                     what="the answer to Clear")  # the status may reach the page before the service's answer
    assert reply["success"] and reply["message"] == "target cleared", reply
    wait_for(lambda: driver.statuses[-1].state == ros.TrackStatus.IDLE, what="the tracker IDLE")

    rect = teleop(browser, "(() => { const r = document.getElementById('video').getBoundingClientRect(); "
                           "return {left: r.left, top: r.top}; })()")
    left, top = int(rect["left"]), int(rect["top"])
    drag(browser, (left + 200, top + 150), (left + 260, top + 240))
    wait_for(lambda: page_state(browser) == "TRACKING", what="TRACKING after a second drag")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    wait_for(lambda: page_state(browser) == "IDLE", what="IDLE after Esc")
    wait_for(lambda: driver.statuses[-1].state == ros.TrackStatus.IDLE, what="the tracker IDLE after Esc")


def test_a_finger_drag_on_a_phone_sized_screen_starts_a_track(rig, browser, ros):
    browser.set_window_size(390, 844)
    try:
        browser.get(rig["url"])
        wait_for(lambda: teleop(browser, "teleop.framesShown") >= 3, what="frames on the small page")
        rect = teleop(browser, "(() => { const r = document.getElementById('video').getBoundingClientRect(); "
                               "return {left: r.left, top: r.top, width: r.width}; })()")
        assert rect["width"] <= 390  # scaled to the screen
        left, top, scale = rect["left"], rect["top"], rect["width"] / 768
        x, y, w, h = 470.0, 230.0, 50.0, 80.0
        finger = ActionBuilder(browser, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
        finger.pointer_action.move_to_location(round(left + x * scale), round(top + y * scale)).pointer_down()
        finger.pointer_action.move_to_location(round(left + (x + w / 2) * scale), round(top + (y + h / 2) * scale))
        finger.pointer_action.move_to_location(round(left + (x + w) * scale), round(top + (y + h) * scale))
        finger.pointer_action.pointer_up()
        finger.perform()
        reply = wait_for(lambda: teleop(browser, "teleop.lastReply"), what="the answer to a finger drag")
        assert reply["success"], reply
        box = teleop(browser, "teleop.lastRequest.box")
        assert max(abs(a - b) for a, b in zip(box, (x, y, w, h), strict=True)) <= 1.0 / scale + 1e-6  # one CSS pixel
        wait_for(lambda: page_state(browser) == "TRACKING", what="TRACKING after a finger drag")
        browser.find_element(By.ID, "clear").click()
        wait_for(lambda: page_state(browser) == "IDLE", what="IDLE after Clear on the small page")
    finally:
        browser.set_window_size(1000, 800)


def send_over_the_page(browser, request: str) -> dict:
    """Send a raw text over the page's WebSocket; the answer (reply or error) that follows."""
    before = teleop(browser, "teleop.lastReply")
    browser.execute_script("socket.send(arguments[0]);", request)
    return wait_for(lambda: (lambda r: r if r != before else None)(teleop(browser, "teleop.lastReply")),
                    what=f"an answer to {request}")


def test_malformed_and_refused_requests_get_clear_errors(rig, browser):
    error = send_over_the_page(browser, '{"op": "set_target", "stamp": {"sec": 1}, "box": [1, 2, 3, 4]}')
    assert error["type"] == "error" and "stamp must be an object" in error["message"]
    assert "refused: stamp" in browser.find_element(By.ID, "answer").text
    error = send_over_the_page(browser, "{not json")
    assert error["type"] == "error" and "not JSON" in error["message"]
    old = {"sec": 1000, "nanosec": 0}  # long before the tracker's buffer: the tracker says so
    reply = send_over_the_page(browser, json.dumps({"op": "set_target", "stamp": old, "box": [1, 2, 30, 40]}))
    assert reply["type"] == "reply" and not reply["success"] and "older than the oldest buffered" in reply["message"]
    newest = rig["camera"].stamps[-1]
    outside = {"stamp": {"sec": newest // 10**9, "nanosec": newest % 10**9}, "box": [5000, 10, 30, 40]}
    request = urllib.request.Request(rig["url"] + "api/set_target", data=json.dumps(outside).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert not answer["success"] and "outside" in answer["message"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(rig["url"] + "api/set_target", data=b"[]"), timeout=30)
    assert refused.value.code == 400 and "JSON object" in json.loads(refused.value.read())["error"]
    assert page_state(browser) == "IDLE"


def test_with_a_token_requests_without_it_are_refused(rig, browser, ros):
    ui, url, _ = start_ui(ros, rig["domain_id"], rig["workdir"], "-p", "token:=open-sesame", "-p", "video:=debug",
                          "-p", "max_width:=384")
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        assert refused.value.code == 401 and "token" in json.loads(refused.value.read())["error"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url + "api/clear", data=b"{}"), timeout=30)
        assert refused.value.code == 401
        browser.get(url)
        assert "access token" in browser.find_element(By.TAG_NAME, "body").text
        browser.delete_all_cookies()
        browser.get(url + "?token=open-sesame")  # the debug video: the tracker renders it for this subscriber
        wait_for(lambda: teleop(browser, "window.teleop.framesShown") >= 3, what="debug frames with the token")
        video_topic = wait_for(lambda: teleop(browser, "teleop.stats && teleop.stats.video_topic"),
                               what="the periodic stats event")  # frames can come before the first stats event
        assert video_topic == "/smat_tracker/debug_image"
        sizes = teleop(browser, "[teleop.frame.width, teleop.frame.bitmap.width]")
        assert sizes == [768, 384]  # a smaller JPEG, boxes still in the camera's pixels
        opened = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const ws = new WebSocket('ws://' + location.host + '/ws?token=wrong');"
            "ws.onopen = () => done('open'); ws.onerror = () => done('refused');")
        assert opened == "open"  # the page's cookie carries the token ...
        browser.delete_all_cookies()
        opened = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const ws = new WebSocket('ws://' + location.host + '/ws');"
            "ws.onopen = () => done('open'); ws.onerror = () => done('refused');")
        assert opened == "refused"  # ... and without cookie or token the WebSocket is refused
    finally:
        ros.stop(ui)
    assert ui.returncode == 0  # SIGINT: a clean stop


@pytest.mark.parametrize("args, words", [
    (("-p", "video:=tv"), "must be one of camera, debug"),
    (("-p", "host:=no.such.host.invalid"), "cannot listen on no.such.host.invalid:0"),
])
def test_bad_parameters_stop_the_ui_with_one_clear_line(rig, ros, args, words):
    log_path = rig["workdir"] / "bad_start.log"
    process = ros.run_module("smat_ros.ros.teleop_ui", ["-p", "port:=0", *args], rig["domain_id"], log_path)
    assert process.wait(timeout=60) == 1
    log = log_path.read_text()
    assert words in log and "Traceback" not in log, log


def test_a_port_in_use_is_refused_with_one_clear_line(rig, ros):
    port = rig["url"].rsplit(":", 1)[1].strip("/")
    log_path = rig["workdir"] / "busy_port.log"
    process = ros.run_module("smat_ros.ros.teleop_ui", ["-p", f"port:={port}"], rig["domain_id"], log_path)
    assert process.wait(timeout=60) == 1
    log = log_path.read_text()
    assert f"cannot listen on 127.0.0.1:{port}" in log and "Traceback" not in log, log


def test_the_follow_me_target_bearing_is_shown(rig, browser, ros):
    ui, url, _ = start_ui(ros, rig["domain_id"], rig["workdir"], "-p", "tracker:=/fake_tracker")
    driver = rig["driver"]
    publisher = driver.node.create_publisher(FollowTarget, "/fake_tracker/target", QoSProfile(depth=10))
    try:
        browser.get(url)
        target = FollowTarget(state=1, visible=True, has_bearing=True, azimuth=math.radians(12.5),
                              elevation=math.radians(-3.0))

        def shown() -> bool:
            publisher.publish(target)  # again until the UI's subscription has matched
            return browser.find_element(By.ID, "bearing").is_displayed()

        wait_for(shown, what="the bearing on the page")
        assert browser.find_element(By.ID, "bearing").text == "bearing 12.5\u00b0 / -3.0\u00b0"
    finally:
        driver.node.destroy_publisher(publisher)
        ros.stop(ui)
