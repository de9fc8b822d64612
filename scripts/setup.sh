#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: .venv/ with everything the project needs, the package installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PY=$VENV/bin/python
STAMP=$VENV/.smat_setup_stamp

if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV"
  "$PY" -m pip install -q -U pip
fi

want=$(cat requirements.txt requirements-ros.txt | sha256sum | cut -c1-16)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  echo "[setup] installing Python requirements into .venv"
  "$PY" -m pip install -q -r requirements.txt -r requirements-ros.txt 2>&1 | grep -v "^WARNING: Location" || true
  "$PY" -c "import torch, cv2, rclpy" >/dev/null
  echo "$want" > "$STAMP"
fi

echo "[setup] installing smat_ros (library + console scripts)"
"$PY" -m pip install -q --no-deps --no-build-isolation . 2>&1 | grep -v "^WARNING: Location" || true
if [ -f scripts/build_ros.sh ]; then
  bash scripts/build_ros.sh
fi

# The ROS 2 command line and launch system (`ros2 launch|lifecycle|param|service|topic`; not on PyPI) from
# ../shared/ros2cli where it is (CI has it beside the clone; SMAT_ROS2CLI names another copy): the launch tests use it.
ROS2CLI=${SMAT_ROS2CLI:-$ROOT/../shared/ros2cli}
CLI_STAMP=$VENV/.smat_ros2cli_stamp
if [ -f "$ROS2CLI/install.sh" ]; then
  want=$(cd "$ROS2CLI" && find wheels src -type f | sort | xargs sha256sum | sha256sum | cut -c1-16)
  if [ ! -f "$CLI_STAMP" ] || [ "$(cat "$CLI_STAMP")" != "$want" ] \
     || ! (cd / && "$PY" -c "import launch_ros.actions, ros2lifecycle, composition_interfaces.srv") 2>/dev/null; then
    echo "[setup] installing the ros2 command line and launch system from $ROS2CLI"
    bash "$ROS2CLI/install.sh" "$VENV"
    echo "$want" > "$CLI_STAMP"
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "[setup] error: $ROS2CLI is missing: CI runs the launch tests with the real ros2 command line" >&2
  exit 1
else
  echo "[setup] $ROS2CLI not found: the tests that run ros2 launch will be skipped (set SMAT_ROS2CLI)"
fi
echo "[setup] done: $VENV"
