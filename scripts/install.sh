#!/usr/bin/env bash
# Set up a virtual environment with indic_probe and its pinned dependencies (used by `make`).
set -euo pipefail
venv=${1:-.venv}
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."

# System tools: ffmpeg decodes m4a/aac and backs torchcodec (needed by `datasets` for audio columns).
if ! command -v ffmpeg >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ffmpeg (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  else
    echo "warning: ffmpeg not found; m4a/aac clips and hub datasets need it (apt-get install ffmpeg / brew install ffmpeg)" >&2
  fi
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# torch first, on its own: where no CUDA is wanted this picks the CPU build that the pins name.
"$venv/bin/python" -m pip install -q -c requirements/pins.txt torch
"$venv/bin/python" -m pip install -q -c requirements/pins.txt -e ".[dev]"
echo "environment ready: $venv"
