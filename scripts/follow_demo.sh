#!/usr/bin/env bash
# The closed follow-me loop on a fresh machine: set-up if needed, then the same scripted scenario twice through
# sim_camera -> smat_tracker -> follow_controller -> sim_camera (all over DDS, lockstep on the simulation clock):
# once with the camera turning as commanded, once with the camera fixed. Writes out/follow/follow.mp4 (closed loop
# left, fixed camera right: camera view, tracker box and state, true box, commanded yaw, pan angle) and prints the
# summary of both runs. FOLLOW_SCENARIO=my_scene.yaml picks another scene (SceneConfig keys, see smat_ros/sim/scene.py);
# SMAT_CHECKPOINT=/path/to/MobileViTv2_Track_ep0300.pth.tar runs the paper's weights.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=$ROOT/out/follow

if ! [ -x "$PY" ] || ! (cd / && "$PY" -c "import smat_ros.msg, smat_ros.ros.node, smat_ros.ros.sim_camera, vision_msgs.msg" \
    2>/dev/null); then
  bash scripts/setup.sh
fi

CHECKPOINT=${SMAT_CHECKPOINT:-weights/smat_demo.safetensors}
SCENARIO=${FOLLOW_SCENARIO:-}
if [ -z "${SMAT_CHECKPOINT:-}" ]; then
  echo "NOTE: using the demo weights (weights/MODEL_CARD.md), trained on synthetic scenes; for the paper's tracker run" >&2
  echo "NOTE:   SMAT_CHECKPOINT=/path/to/MobileViTv2_Track_ep0300.pth.tar scripts/follow_demo.sh" >&2
fi
mkdir -p "$OUT"
export FASTRTPS_DEFAULT_PROFILES_FILE=$ROOT/config/fastdds_localhost.xml
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$((20 + $$ % 70))}

pids=()
stop_nodes() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_nodes EXIT

# run NAME LABEL FIXED: one run of the scenario; out/follow/NAME.{mp4,json} and NAME_*.log. The scene waits on its
# first frame for both image subscribers (tracker and recorder) and for the recorder to set the target and start it.
run() {
  local name=$1 label=$2 fixed=$3
  echo "[follow_demo] $label: sim_camera + smat_tracker + follow_controller (logs: $OUT/${name}_*.log)"
  "$PY" -m smat_ros.ros.sim_camera --ros-args ${SCENARIO:+-p scenario:="$SCENARIO"} -p fixed:="$fixed" \
    -p autostart:=false -p time_scale:=0.0 -p min_subscribers:=2 -p sync_timeout_s:=10.0 \
    >"$OUT/${name}_sim.log" 2>&1 &
  pids+=($!)
  "$PY" -m smat_ros.ros.node --ros-args --params-file config/tracker.yaml -p checkpoint:="$CHECKPOINT" \
    -p image_qos:=reliable -p use_sim_time:=true >"$OUT/${name}_tracker.log" 2>&1 &
  pids+=($!)
  "$PY" -m smat_ros.ros.follow_controller --ros-args --params-file config/follow_controller.yaml \
    -p use_sim_time:=true -r target:=/smat_tracker/target >"$OUT/${name}_controller.log" 2>&1 &
  pids+=($!)
  local status=0
  "$PY" scripts/follow_client.py record --label "$label" --scenario "$SCENARIO" --video "$OUT/$name.mp4" \
    --records "$OUT/$name.json" || status=$?
  stop_nodes
  if [ "$status" -ne 0 ]; then
    echo "[follow_demo] $label failed; the last lines of the logs:" >&2
    tail -n 15 "$OUT/${name}_sim.log" "$OUT/${name}_tracker.log" "$OUT/${name}_controller.log" >&2
    exit "$status"
  fi
}

run loop "closed loop" false
run fixed "fixed camera" true
"$PY" scripts/follow_client.py report --left "$OUT/loop.json" --right "$OUT/fixed.json" --video "$OUT/follow.mp4"
