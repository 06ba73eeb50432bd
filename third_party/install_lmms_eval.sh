#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install the evaluation environment: lmms-eval 0.7.3 with videorl's tasks and time-exact backend
# (transformers 5, constraints-eval.txt); with --vllm, lmms-eval 0.7.3 with vLLM 0.11.0 instead
# (torch 2.8.0, transformers 4.57.1: constraints-easyr1.txt), for BACKEND=vllm in recipes/eval_lmms_eval.sh.
# For GPU machines with network access; the two variants need separate environments.
#
# Usage: bash third_party/install_lmms_eval.sh [--dry-run] [--vllm] [DEST]
#   DEST         unused (lmms-eval installs from PyPI)
#   --dry-run    print the commands only
# Variables: PYTHON [python3]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=pins.env
. "$HERE/pins.env"
PYTHON="${PYTHON:-python3}"
DRY=0
VLLM=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    --vllm) VLLM=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) ;;
  esac
done

step() {
  printf '$'; printf ' %q' "$@"; printf '\n'
  ((DRY)) || "$@"
}

if ((VLLM)); then
  step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" "vllm==$VLLM_VERSION" "lmms-eval==$LMMS_EVAL_VERSION" decord
  step "$PYTHON" -m pip install -c "$HERE/constraints-easyr1.txt" -e "$HERE/..[video]"
  step "$PYTHON" "$HERE/../recipes/lib/check_host.py" eval-vllm
else
  step "$PYTHON" -m pip install -c "$HERE/constraints-eval.txt" "lmms-eval==$LMMS_EVAL_VERSION" decord accelerate
  step "$PYTHON" -m pip install -c "$HERE/constraints-eval.txt" -e "$HERE/..[eval]"
  step "$PYTHON" "$HERE/../recipes/lib/check_host.py" eval
fi
