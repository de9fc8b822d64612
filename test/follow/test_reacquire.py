"""The re-acquisition search: its tile plan, and the tracker finding the vtest person after a jerk and a black-out."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from smat_ros.config import ConfigError
from smat_ros.crop import box_iou as iou
from smat_ros.follow.reacquire import (
    FOLLOW_ME,
    ReacquireConfig,
    ReacquisitionSearch,
    crop_overlaps,
    similar_size,
    tile_box,
    tile_offsets,
)
from smat_ros.follow.scenarios import Scenario, black_out, camera_jerk, score_recovery, wrong_target_frames
from smat_ros.follow.states import TrackEvent, TrackState
from smat_ros.textfile import read_centres
from smat_ros.tracker import Tracker

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "weights" / "smat_demo.safetensors"
SHAPE = (576, 768, 3)
BOX = (562.0, 237.0, 39.0, 87.0)
HANDCHECK = ROOT / "weights" / "vtest_person_handcheck.csv"  # his centre read by eye, +-5 px, frames 1-50


def test_tiles_cover_the_whole_frame_at_the_last_scale() -> None:
    order = tile_offsets(SHAPE, BOX, 4.0, (1.0,), 0.75)
    tiles = {(i, j) for _, i, j in order}
    assert (0, 0) not in tiles  # the normal window is run anyway
    side = math.sqrt(BOX[2] * BOX[3]) * 4.0
    centres = [tile_box(BOX, 1.0, i, j, 4.0, 0.75) for i, j in tiles | {(0, 0)}]
    centres = [(b[0] + b[2] / 2, b[1] + b[3] / 2) for b in centres]
    for x in range(0, 768, 16):  # every pixel is inside some tile's crop, away from its border
        for y in range(0, 576, 16):
            assert min(max(abs(x - cx), abs(y - cy)) for cx, cy in centres) <= 0.75 * side / 2 + 1


def test_nearest_ring_first_and_revisited_before_each_wider_ring() -> None:
    order = tile_offsets(SHAPE, BOX, 4.0, (1.0, 0.8), 0.75)
    rings = [max(abs(i), abs(j)) for scale, i, j in order if scale == 1.0]
    assert rings[:8] == [1] * 8
    assert rings[8:16] == [1] * 8 and 2 in rings[16:40]
    assert [s for s, _, _ in order][-1] == 0.8  # neighbouring scales after the last one


def test_next_tiles_respects_the_budget_and_skips_tiles_off_the_frame() -> None:
    search = ReacquisitionSearch(ReacquireConfig(budget=3), 4.0)
    search.start(SHAPE, BOX)
    seen = []
    for _ in range(search.tile_count):
        tiles = search.next_tiles(SHAPE, BOX, 3)
        assert len(tiles) == 3
        assert all(crop_overlaps(t, SHAPE, 4.0, 0.75) for t in tiles)
        seen.extend(tiles)
    assert len({(round(t[0]), round(t[1]), round(t[2])) for t in seen}) > 50


def test_size_check() -> None:
    assert similar_size((0, 0, 40, 90), BOX, 1.5)
    assert not similar_size((0, 0, 80, 90), BOX, 1.5)
    assert not similar_size((0, 0, 40, 50), BOX, 1.5)


def test_scoring_tells_a_wrong_reacquisition_from_drift() -> None:
    T, L = TrackState.TRACKING, TrackState.LOST
    truth = [(100.0, 100.0, 40.0, 90.0)] * 8
    away = (400.0, 100.0, 40.0, 90.0)
    # drift for two frames, LOST, re-acquired onto someone else for two frames, LOST again, back on the target
    states = [T, T, T, L, T, T, L, T]
    boxes = [truth[0], away, away, away, away, away, away, truth[0]]
    recovery = score_recovery(states, boxes, truth, event_frame=1)
    assert (recovery.wrong_frames, recovery.stale_frames, recovery.lost_frames) == (2, 2, 2)
    assert wrong_target_frames(states, boxes, truth) == [False] * 4 + [True, True] + [False] * 2
    assert recovery.frames_to_reacquire == 6
    # back on the target first: later drift is not a wrong re-acquisition
    states = [T, L, T, T, T]
    boxes = [truth[0], truth[0], truth[0], away, away]
    recovery = score_recovery(states, boxes, truth[:5], event_frame=1)
    assert (recovery.wrong_frames, recovery.stale_frames, recovery.frames_to_reacquire) == (0, 2, 1)


def test_invalid_reacquire_config() -> None:
    for changes in ({"budget": -1}, {"scales": ()}, {"tile_step": 0.0}, {"max_size_change": 0.5},
                    {"verify_iou": 1.5}, {"verify_ratio": -0.1}, {"proposal_ratio": 2.0}):
        with pytest.raises(ConfigError):
            ReacquireConfig(**changes)


def run(scenario: Scenario, reacquire: bool) -> tuple[list, list, list]:
    """States, boxes and events of the demo tracker on a scenario."""
    tracker = Tracker.from_checkpoint(DEMO, device="cpu", reacquire=reacquire)
    tracker.initialize(scenario.frames[0], scenario.truth[0], stamp=0.0)
    results = [tracker.track(f, stamp=0.1 * i) for i, f in enumerate(scenario.frames[1:], 1)]
    return ([TrackState.TRACKING] + [r.state for r in results], [scenario.truth[0]] + [r.box for r in results],
            [r.event for r in results])


def test_the_network_run_backwards_verifies_the_person_not_the_background(vtest) -> None:
    frames, truth = vtest
    tracker = Tracker.from_checkpoint(DEMO, device="cpu")
    tracker.initialize(frames[0], truth[0], stamp=0.0)
    config = ReacquireConfig()
    threshold = config.verify_ratio * 0.56  # the person's median score on these frames
    for index in (5, 10, 20, 30):
        score, overlap = tracker.verify(frames[index], truth[index])
        assert overlap >= config.verify_iou and score >= threshold
    passed = 0
    for index in (5, 10, 20, 30):
        x, y, w, h = truth[index]
        for dx, dy in ((-150, 0), (0, 150), (-300, -100), (100, 100), (-250, 0)):
            score, overlap = tracker.verify(frames[index], (x + dx, y + dy, w, h))
            passed += overlap >= config.verify_iou and score >= threshold
    assert passed <= 2  # of 20 boxes of background and other people


def test_back_on_the_person_after_a_camera_jerk(vtest) -> None:
    frames, truth = vtest
    scenario = camera_jerk("jerk", frames, truth, 10, -230, 0)
    states, boxes, events = run(scenario, reacquire=True)
    recovery = score_recovery(states, boxes, scenario.truth, scenario.event_frame)
    assert recovery.frames_to_reacquire is not None and recovery.frames_to_reacquire <= 15
    assert recovery.wrong_frames == 0
    assert TrackEvent.LOST in events and TrackEvent.REACQUIRED in events
    assert events.index(TrackEvent.LOST) < events.index(TrackEvent.REACQUIRED)
    # without the search the box stays where the person was
    states_off, boxes_off, _ = run(scenario, reacquire=False)
    assert max(iou(b, t) for b, t in zip(boxes_off[12:], scenario.truth[12:], strict=True)) < 0.1


def test_back_on_the_person_after_an_upward_camera_jerk(vtest) -> None:
    frames, truth = vtest
    scenario = camera_jerk("jerk up", frames, truth, 12, 0, -200)
    states, boxes, events = run(scenario, reacquire=True)
    recovery = score_recovery(states, boxes, scenario.truth, scenario.event_frame)
    assert recovery.frames_to_reacquire is not None and recovery.frames_to_reacquire <= 15
    assert recovery.wrong_frames == 0 and recovery.stale_frames <= 3  # LOST after lost_after_frames low frames


def test_the_drift_check_sees_the_network_follow_someone_else(vtest) -> None:
    """A 300 px jerk puts another walker in the window: the scores stay good, only the backward check sees it."""
    frames, truth = vtest
    scenario = camera_jerk("jerk onto another walker", frames, truth, 15, -300, 0)
    for every, most_stale in ((0, None), (2, 6)):
        tracker = Tracker.from_checkpoint(DEMO, device="cpu", reacquire=ReacquireConfig(drift_check_every=every))
        tracker.initialize(scenario.frames[0], scenario.truth[0], stamp=0.0)
        results = [tracker.track(f, stamp=0.1 * i) for i, f in enumerate(scenario.frames[1:], 1)]
        states = [TrackState.TRACKING] + [r.state for r in results]
        recovery = score_recovery(states, [scenario.truth[0]] + [r.box for r in results], scenario.truth, 15)
        assert recovery.wrong_frames == 0
        if most_stale is None:  # without the check the track follows him to the end
            assert recovery.stale_frames == len(frames) - 15 and recovery.lost_frames == 0
        else:
            lost = next(r for r in results if r.event == TrackEvent.LOST)
            assert recovery.stale_frames <= most_stale and "backward check" in lost.reason
            assert lost.box == truth[14] or iou(lost.box, truth[14]) > 0.9  # back to the last verified box


def test_the_person_is_found_again_as_he_walks_out_of_the_group(frames, vtest) -> None:
    """The whole vtest sequence with the follow-me settings: the drift check reports LOST where the network's box
    moves onto the two people at the sign post (frame 33), and the search finds him again, not them, as he walks out
    of the group; before a roll-back forgot the sizes of the boxes on the group the track stayed LOST to the end."""
    init = vtest[1][0]  # the sequence's init box
    hand = read_centres(HANDCHECK)
    tracker = Tracker.from_checkpoint(DEMO, device="cpu", reacquire=FOLLOW_ME)
    tracker.initialize(frames[0], init, stamp=0.0)
    results = {i: tracker.track(frame, stamp=0.1 * i) for i, frame in enumerate(frames[1:], 1)}
    lost = min(i for i, r in results.items() if r.event == TrackEvent.LOST)
    back = min((i for i, r in results.items() if i > lost and r.event == TrackEvent.REACQUIRED), default=None)
    assert 33 <= lost <= 36 and back is not None and back <= 48, (lost, back)
    checked = [i for i in hand if i > back and results[i].state == TrackState.TRACKING]
    assert checked, f"no hand-checked frame after the re-acquisition on frame {back}"
    for i in checked:
        x, y, w, h = results[i].box
        assert math.dist((x + w / 2, y + h / 2), hand[i]) <= 15.0, (i, results[i].box, hand[i])


def test_a_box_refused_by_the_backward_check_leaves_the_next_frame_to_the_tiles(vtest) -> None:
    """With a backward check nothing passes, a refused place is not checked again on the next frame."""
    frames, truth = vtest
    scenario = camera_jerk("jerk", frames, truth, 10, -230, 0)
    tracker = Tracker.from_checkpoint(DEMO, device="cpu",
                                      reacquire=ReacquireConfig(verify_iou=1.0, drift_check_every=2))
    tracker.initialize(scenario.frames[0], scenario.truth[0], stamp=0.0)
    results = [tracker.track(f, stamp=0.1 * i) for i, f in enumerate(scenario.frames[1:], 1)]
    assert all(r.state == TrackState.LOST for r in results[12:])  # nothing is ever accepted
    assert "verify (last frame)" in [r.refused for r in results]
    for earlier, later in zip(results, results[1:], strict=False):
        if earlier.refused == "verify" and later.detection and iou(later.detection, earlier.detection) >= 0.5:
            assert later.refused != "verify"  # not checked again at once: its network run went to a tile


def test_a_black_out_is_reported_lost_with_the_last_box_seen(vtest) -> None:
    frames, truth = vtest
    scenario = black_out("black-out", frames, truth, 8, 12)
    states, boxes, events = run(scenario, reacquire=True)
    lost_at = events.index(TrackEvent.LOST) + 1  # events start at frame 1
    assert 8 < lost_at <= 8 + 3  # after lost_after_frames low frames, not at the first one
    assert states[lost_at] == TrackState.LOST and boxes[lost_at] == boxes[7]  # the box where he was last seen


def test_back_on_the_person_after_a_black_out(vtest) -> None:
    frames, truth = vtest
    scenario = black_out("black-out", frames, truth, 8, 12)
    states, boxes, events = run(scenario, reacquire=True)
    recovery = score_recovery(states, boxes, scenario.truth, scenario.event_frame, scenario.hidden)
    assert recovery.frames_to_reacquire is not None and recovery.frames_to_reacquire <= 15
    assert recovery.wrong_frames == 0


def test_reacquire_off_keeps_the_paper_boxes(vtest) -> None:
    frames, truth = vtest
    tracker = Tracker.from_checkpoint(DEMO, device="cpu")
    tracker.initialize(frames[0], truth[0])
    assert [tracker.track(f).box for f in frames[1:]] == truth[1:]


def test_thresholds_and_search_change_while_tracking(vtest) -> None:
    from smat_ros.follow.states import StateConfig

    frames, truth = vtest
    tracker = Tracker.from_checkpoint(DEMO, device="cpu")
    tracker.initialize(frames[0], truth[0], stamp=0.0)
    tracker.track(frames[1], stamp=0.1)
    # a lost threshold above every score: LOST after lost_after_frames=1 frame
    tracker.configure_follow(states=StateConfig(lost_score_threshold=0.99, found_score_threshold=0.99,
                                                lost_after_frames=1), reacquire=True)
    assert tracker.reacquire
    result = tracker.track(frames[2], stamp=0.2)
    assert result.state == TrackState.LOST and result.event == TrackEvent.LOST and result.box == truth[1]
    tracker.configure_follow(states=StateConfig(target_timeout_s=0.25, lost_score_ratio=0.0, found_score_ratio=0.0,
                                                found_score_threshold=0.99), reacquire=False)
    assert tracker.track(frames[3], stamp=0.3).state == TrackState.LOST
    timed_out = tracker.track(frames[4], stamp=0.45)
    assert timed_out.state == TrackState.IDLE and timed_out.event == TrackEvent.TIMED_OUT
    assert "target_timeout_s" in timed_out.reason and not tracker.initialized
    assert tracker.track(frames[5], stamp=0.5).state == TrackState.IDLE  # stays IDLE, no error, until a new target
    tracker.initialize(frames[5], truth[5], stamp=0.5)
    assert tracker.state == TrackState.TRACKING
