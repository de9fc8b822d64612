#!/usr/bin/env bash
# Sets up (if needed) and runs every test, then ruff (whole tree, ruff.toml) and mypy (library core, mypy.ini).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh  # chromium + chromium-driver for the teleop UI tests, when missing
set +e
.venv/bin/python -m pytest -ra "$@"
rc=$?
echo "[test] ruff check ."
.venv/bin/python -m ruff check .
lint=$?
echo "[test] mypy (mypy.ini: the library core)"
.venv/bin/python -m mypy
types=$?
set -e
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi
if [ "$lint" -ne 0 ] || [ "$types" -ne 0 ]; then echo "[test] ruff or mypy found problems: failing"; exit 1; fi
exit "$rc"
