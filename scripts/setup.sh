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
echo "[setup] done: $VENV"
