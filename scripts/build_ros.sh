#!/usr/bin/env bash
# Builds the ROS 2 side into .venv/ with cmake (no colcon, no ROS install): vision_msgs (only where it is not
# installed) and the smat_ros package (TrackStatus, SetTarget, the Python package, launch/config, executables).
# Idempotent: skips a package whose inputs have not changed since its last install. Called by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
V=$ROOT/.venv
PY=$V/bin/python
BUILD=$ROOT/build/ros

die() { echo "[build_ros] error: $*" >&2; exit 1; }

[ -x "$PY" ] || die "$PY not found: run scripts/setup.sh first"
command -v cmake >/dev/null || die "cmake not found (apt-get install cmake, or pip install cmake into .venv)"
command -v c++ >/dev/null || die "no C++ compiler found (apt-get install g++)"
"$PY" -c "import rclpy, rosidl_generator_py" 2>/dev/null || die "the ROS 2 jazzy wheels are missing from .venv (pip install -r requirements-ros.txt)"
[ -d "$V/share/rosidl_core_generators" ] || die "ros-jazzy-rosidl-core-generators is missing from .venv (pip install -r requirements-ros.txt)"

# The message wheels' CMake exports carry the wheel builder's include paths: point them at this venv once.
patch_cmake_exports() {
  local pyinc npinc files
  pyinc=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
  npinc=$("$PY" -c "import numpy; print(numpy.get_include())")
  files=$(grep -rl /opt/python/cp311-cp311 "$V/share" --include='*.cmake' || true)
  [ -z "$files" ] && return 0
  echo "[build_ros] patching the wheels' CMake exports for this venv"
  echo "$files" | xargs sed -i \
    -e "s#/opt/python/cp311-cp311/include/python3.11#$pyinc#g" \
    -e "s#/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include#$npinc#g"
}

# Hash of a package's build inputs (files under the given paths, names and contents).
inputs_hash() {
  find "$@" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
}

# Configure, build and install one cmake package into the venv unless its stamp matches.
build_package() {
  local name=$1 src=$2 check=$3; shift 3
  local stamp=$V/.smat_build_$name want
  want=$(inputs_hash "$@")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && (cd / && "$PY" -c "$check") 2>/dev/null; then
    echo "[build_ros] $name is up to date"
    return 0
  fi
  echo "[build_ros] building $name into .venv (about 30 s)"
  local log=$BUILD/$name.log
  mkdir -p "$BUILD/$name"
  if ! { cmake -S "$src" -B "$BUILD/$name" -DCMAKE_PREFIX_PATH="$V" -DCMAKE_INSTALL_PREFIX="$V" \
           -DPython3_EXECUTABLE="$PY" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release \
         && make -C "$BUILD/$name" -j2 install; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "building $name failed (full log: $log)"
  fi
  (cd / && "$PY" -c "$check") || die "$name was installed but does not import (log: $log)"
  echo "$want" > "$stamp"
}

export AMENT_PREFIX_PATH=$V
patch_cmake_exports

if [ -f "$V/.smat_build_vision_msgs" ] || ! (cd / && "$PY" -c "import vision_msgs.msg" 2>/dev/null); then
  build_package vision_msgs interfaces/vision_msgs "import vision_msgs.msg" interfaces/vision_msgs
else
  echo "[build_ros] vision_msgs is installed already: not building it"
fi

# smat_ros/ is left out of the hash: scripts/setup.sh installs the Python sources with pip just before this runs.
build_package smat_ros "$ROOT" \
  "import smat_ros.msg, smat_ros.srv; smat_ros.msg.TrackStatus(); smat_ros.srv.SetTarget.Request()" \
  CMakeLists.txt package.xml msg srv launch config
echo "[build_ros] done: python -m smat_ros.ros.node works from .venv"
