#!/usr/bin/env bash
# The ROS 2 demo on a fresh machine: set-up if needed, then video_source plays the bundled vtest_person sequence,
# the smat_tracker node tracks the person whose box is in init.txt (set through ~/set_target on the first frame),
# and the debug stream is written to out/demo/tracking.mp4 with a per-frame summary and the achieved fps.
# All DDS traffic stays on this machine (config/fastdds_localhost.xml).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=$ROOT/out/demo
SEQUENCE=$ROOT/test/fixtures/vtest_person

if ! [ -x "$PY" ] || ! (cd / && "$PY" -c "import smat_ros.msg, smat_ros.ros.node, vision_msgs.msg" 2>/dev/null); then
  bash scripts/setup.sh
fi

# SMAT_CHECKPOINT=/path/to/MobileViTv2_Track_ep0300.pth.tar scripts/demo.sh runs the demo with the official weights.
if [ -n "${SMAT_CHECKPOINT:-}" ]; then
  CHECKPOINT=$SMAT_CHECKPOINT
  THRESHOLD=0.25
elif [ -f weights/smat_demo.safetensors ]; then
  CHECKPOINT=weights/smat_demo.safetensors
  THRESHOLD=0.25
  echo "NOTE: using the demo weights (weights/MODEL_CARD.md): two CPU hours of training on synthetic scenes, no real" >&2
  echo "NOTE: tracking data. They follow the walking person past the sign post, then drift onto the group he joins." >&2
  echo "NOTE: For the paper's tracker run   SMAT_CHECKPOINT=/path/to/MobileViTv2_Track_ep0300.pth.tar scripts/demo.sh" >&2
else
  CHECKPOINT=test/fixtures/smat_reference/checkpoint.pth.tar
  THRESHOLD=0.0
  echo "WARNING: weights/smat_demo.safetensors not found: using the test fixture weights, a seeded network that" >&2
  echo "WARNING: was NOT trained on real objects. The pipeline runs, but the box will not follow the person well." >&2
fi

mkdir -p "$OUT"
export FASTRTPS_DEFAULT_PROFILES_FILE=$ROOT/config/fastdds_localhost.xml
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$((20 + $$ % 70))}
FRAMES=$(find "$SEQUENCE/img" -name '*.jpg' | wc -l)

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "[demo] tracker node with $CHECKPOINT (log: $OUT/tracker.log), ROS_DOMAIN_ID=$ROS_DOMAIN_ID"
"$PY" -m smat_ros.ros.node --ros-args --params-file config/tracker.yaml \
  -p checkpoint:="$CHECKPOINT" -p lost_score_threshold:=$THRESHOLD >"$OUT/tracker.log" 2>&1 &
pids+=($!)
echo "[demo] video_source playing $FRAMES frames of $SEQUENCE/img (log: $OUT/video_source.log)"
"$PY" -m smat_ros.ros.video_source --ros-args -p source:="$SEQUENCE/img" -p sync_topic:=/demo/frame_done \
  >"$OUT/video_source.log" 2>&1 &
pids+=($!)

status=0
"$PY" scripts/demo_client.py --init-box "$(cat "$SEQUENCE/init.txt")" --frames "$FRAMES" \
  --video "$OUT/tracking.mp4" --ack-topic /demo/frame_done || status=$?
if [ "$status" -ne 0 ]; then
  echo "[demo] failed; the tracker node's log:" >&2
  tail -n 20 "$OUT/tracker.log" >&2
fi
exit "$status"
