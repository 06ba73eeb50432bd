#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install LLaMA-Factory 0.9.5 (PyPI) into its own Python environment with constraints-llamafactory.txt,
# plus videorl (for `videorl data export llamafactory`). For GPU machines with network access.
#
# Usage: bash third_party/install_llamafactory.sh [--dry-run] [DEST]
#   DEST         unused (kept for symmetry with install_easyr1.sh: LLaMA-Factory installs from PyPI)
#   --dry-run    print the commands only
# Variables: PYTHON [python3] (Python >= 3.11; a fresh venv is recommended)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=pins.env
. "$HERE/pins.env"
PYTHON="${PYTHON:-python3}"
DRY=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) ;;
  esac
done

step() {
  printf '$'; printf ' %q' "$@"; printf '\n'
  ((DRY)) || "$@"
}

step "$PYTHON" -m pip install -c "$HERE/constraints-llamafactory.txt" "llamafactory==$LLAMAFACTORY_VERSION" deepspeed
step "$PYTHON" -m pip install -c "$HERE/constraints-llamafactory.txt" -e "$HERE/..[video]"
step "$PYTHON" "$HERE/../recipes/lib/check_host.py" llamafactory
