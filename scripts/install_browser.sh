#!/usr/bin/env bash
# Installs Debian's chromium + chromium-driver (the headless browser of the teleop UI tests) when either is missing.
# Needs root (CI runs as root) or passwordless sudo; apt-get update runs only when the packages are not known yet.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "[browser] chromium/chromium-driver missing and not root: apt-get install chromium chromium-driver" >&2; exit 1; }
  SUDO="sudo -n"
fi
echo "[browser] installing chromium and chromium-driver with apt-get (teleop UI tests)"
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium-driver >/dev/null 2>&1; then
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
echo "[browser] $(chromium --version 2>/dev/null | head -n 1)"
