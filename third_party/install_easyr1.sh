#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install EasyR1 at the pinned commit (third_party/pins.env) into its own Python environment, with
# constraints-easyr1.txt, plus videorl (the reward file imports it). For GPU machines with network access.
# EasyR1's package is named `verl`: never install PyPI verl in the same environment.
#
# Usage: bash third_party/install_easyr1.sh [--dry-run] DEST
#   DEST         folder to clone EasyR1 into (created; an existing clone is re-used and checked out at the pin)
#   --dry-run    print the commands only
# Variables: PYTHON [python3] (a fresh venv or conda env for EasyR1 is recommended; Python 3.10-3.12)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=pins.env
. "$HERE/pins.env"
PYTHON="${PYTHON:-python3}"
DRY=0
DEST=""
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) DEST="$arg" ;;
  esac
done
[[ -n "$DEST" ]] || { echo "usage: bash $0 [--dry-run] DEST" >&2; exit 2; }

step() {
  printf '$'; printf ' %q' "$@"; printf '\n'
  ((DRY)) || "$@"
}

if [[ ! -d "$DEST/.git" ]]; then
  step git clone "$EASYR1_REPO" "$DEST"
fi
step git -C "$DEST" fetch --quiet origin "$EASYR1_COMMIT"
step git -C "$DEST" checkout --quiet "$EASYR1_COMMIT"
# torch first (vLLM and flash-attn build against it), then EasyR1 with the pins, then videorl.
step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" torch torchvision
step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" vllm
step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" --no-build-isolation flash-attn
step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" -e "$DEST"
step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" -e "$HERE/..[video,data]" decord
step "$PYTHON" "$HERE/../recipes/lib/check_host.py" easyr1
