# shellcheck shell=bash
# Shared helpers for the recipes (sourced, never run). Every recipe:
#   1. sources this file, which resolves VR_ROOT (the repository) from its own location and reads
#      third_party/pins.env (pinned host versions);
#   2. calls `vr_parse_args "$@"`, then `set -- "${VR_ARGS[@]}"`: --dry-run and --help are taken out,
#      everything else (host key=value overrides) is passed through to the launcher;
#   3. checks its inputs with vr_check_* (problems are collected, then reported together by
#      vr_end_checks, which exits 2 if there were any);
#   4. prints its resolved configuration with vr_show and launches with vr_run, which in a dry run
#      only prints the exact command (each command line starts with "$ ", shell-quoted).
# In a dry run the GPU and host-framework checks are skipped (reported as such); model, data and
# reward checks still run, so a dry run validates everything that does not need a GPU node.

VR_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VR_RECIPES_DIR="$(dirname "$VR_LIB_DIR")"
VR_ROOT="$(dirname "$VR_RECIPES_DIR")"
VR_NAME="$(basename "$0" .sh)"
VR_DRY_RUN=0
VR_ARGS=()
VR_ERRORS=()
# shellcheck source-path=SCRIPTDIR source=../../third_party/pins.env
. "$VR_ROOT/third_party/pins.env"

# Python of the host environment (EasyR1, LLaMA-Factory or lmms-eval, each with videorl installed).
PYTHON="${PYTHON:-python3}"

vr_log() { printf '[%s] %s\n' "$VR_NAME" "$*" >&2; }

vr_die() {
  printf '[%s] error: %s\n' "$VR_NAME" "$*" >&2
  exit 2
}

# Print the usage comment at the top of the calling script (the comment block after the shebang).
vr_usage() {
  awk 'NR == 1 || /^# shellcheck / { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

vr_parse_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --dry-run) VR_DRY_RUN=1 ;;
      -h | --help)
        vr_usage
        exit 0
        ;;
      *) VR_ARGS+=("$arg") ;;
    esac
  done
}

vr_error() { VR_ERRORS+=("$*"); }

# vr_end_checks: report the collected problems and exit 2. In a dry run whose only problems are input
# files not made yet, the recipe goes on to print its resolved configuration and launch first (useful
# before any data exists); the problems are then reported when it exits, and the exit status is still 2.
VR_MISSING=0
vr_end_checks() {
  if ((${#VR_ERRORS[@]})); then
    if ((VR_DRY_RUN && VR_MISSING == ${#VR_ERRORS[@]})); then
      vr_log "dry run: ${#VR_ERRORS[@]} problem(s); the resolved launch follows, the problems after it"
      trap vr_report_errors EXIT
      return 0
    fi
    vr_report_errors
  fi
}

vr_report_errors() {
  local e
  for e in "${VR_ERRORS[@]}"; do
    printf '[%s] error: %s\n' "$VR_NAME" "$e" >&2
  done
  printf '[%s] %d problem(s); nothing launched. See the usage comment: bash %s --help\n' \
    "$VR_NAME" "${#VR_ERRORS[@]}" "$0" >&2
  exit 2
}

# vr_hint VAR COMMAND: the command that makes the file VAR names, shown when it is missing.
declare -A VR_HINTS=()
vr_hint() { VR_HINTS["$1"]="$2"; }

# vr_require VAR: the variable must be set and non-empty.
vr_require() {
  local name="$1"
  [[ -n "${!name:-}" ]] || vr_error "$name is not set"
}

# vr_check_model VAR: a local model directory (with config.json) or a Hugging Face hub id "org/name".
vr_check_model() {
  local name="$1" value="${!1:-}"
  if [[ -z "$value" ]]; then
    vr_error "$name is not set"
  elif ((VR_DRY_RUN)) && [[ "$value" == /* || "$value" == .* ]] && [[ ! -e "$value" ]]; then
    vr_log "dry run: $name=$value does not exist yet (an earlier step, e.g. the SFT merge, writes it)"
  elif [[ -d "$value" ]]; then
    [[ -f "$value/config.json" ]] || vr_error "$name=$value is a directory without config.json (not a saved model)"
  elif [[ "$value" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$ && ! -e "${value%%/*}" ]]; then
    vr_log "$name=$value is not a local directory; treating it as a hub id (downloaded on first use)"
  else
    vr_error "$name=$value is neither a model directory with config.json nor a hub id like Qwen/Qwen2.5-VL-7B-Instruct"
  fi
}

# vr_check_file VAR [PATH]: PATH (default: the variable's value, without an EasyR1 "@split" suffix) is a file.
vr_check_file() {
  local name="$1" value="${2:-${!1:-}}"
  value="${value%@*}"
  if [[ -z "$value" ]]; then
    vr_error "$name is not set"
  elif [[ ! -f "$value" ]]; then
    VR_MISSING=$((VR_MISSING + 1))
    if [[ -n "${VR_HINTS[$name]:-}" ]]; then
      vr_error "$name: file not found: $value; make it with: ${VR_HINTS[$name]}"
    else
      vr_error "$name: file not found: $value"
    fi
  fi
}

vr_check_dir() {
  local name="$1" value="${2:-${!1:-}}"
  if [[ -z "$value" ]]; then
    vr_error "$name is not set"
  elif [[ ! -d "$value" ]]; then
    vr_error "$name: directory not found: $value"
  fi
}

# vr_check_int VAR: a positive integer (0 allowed with a second argument "0").
vr_check_int() {
  local name="$1" value="${!1:-}" min="${2:-1}"
  if [[ ! "$value" =~ ^[0-9]+$ ]] || ((value < min)); then
    vr_error "$name=$value must be an integer >= $min"
  fi
}

# Number of GPUs this process can use: `nvidia-smi -L`, limited by CUDA_VISIBLE_DEVICES when set.
vr_gpu_count() {
  local n=0
  if command -v nvidia-smi >/dev/null 2>&1; then
    n="$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)"
  fi
  if [[ -n "${CUDA_VISIBLE_DEVICES+set}" ]]; then
    local visible=0 ids
    if [[ -n "$CUDA_VISIBLE_DEVICES" && "$CUDA_VISIBLE_DEVICES" != "-1" ]]; then
      IFS=, read -r -a ids <<<"$CUDA_VISIBLE_DEVICES"
      visible="${#ids[@]}"
    fi
    ((visible < n)) && n="$visible"
  fi
  echo "$n"
}

# vr_check_gpus N: at least N GPUs visible on this node (skipped in a dry run).
vr_check_gpus() {
  local need="$1" have
  if ((VR_DRY_RUN)); then
    vr_log "dry run: GPU check skipped (needs $need GPU(s) per node)"
    return 0
  fi
  have="$(vr_gpu_count)"
  if ((have < need)); then
    if command -v nvidia-smi >/dev/null 2>&1; then
      vr_error "needs $need GPU(s) on this node but $have visible (nvidia-smi -L, CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-unset}); lower the GPU count variable or use --dry-run"
    else
      vr_error "needs $need GPU(s) on this node but no NVIDIA GPU is visible (nvidia-smi not found); use --dry-run to print the launch without GPUs"
    fi
  fi
}

# vr_check_host HOST: the host framework is importable at its pinned version (skipped in a dry run).
# HOST is easyr1, llamafactory, eval or eval-vllm; see recipes/lib/check_host.py.
vr_check_host() {
  if ((VR_DRY_RUN)); then
    vr_log "dry run: host check skipped ($1 at its pinned version, with $PYTHON)"
    return 0
  fi
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    vr_error "PYTHON=$PYTHON not found"
    return 0
  fi
  local out
  if ! out="$("$PYTHON" "$VR_LIB_DIR/check_host.py" "$1" 2>&1)"; then
    vr_error "host check failed ($1, with $PYTHON):"$'\n'"$out"
  fi
}

# vr_abspath PATH: PATH made absolute against the current directory (hosts resolve relative paths
# against their own working directory, Ray workers against theirs).
vr_abspath() {
  if [[ "$1" == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi
}

# vr_videorl ARGS...: run the videorl CLI of the host environment.
vr_videorl() { "$PYTHON" -m videorl "$@"; }

# vr_show VAR...: print the resolved configuration.
vr_show() {
  local name
  if ((VR_DRY_RUN)); then
    echo "== $VR_NAME: dry run, nothing is launched"
  else
    echo "== $VR_NAME"
  fi
  for name in "$@"; do
    printf '%s=%s\n' "$name" "${!name-}"
  done
}

# vr_run CMD...: print the command shell-quoted on one line starting with "$ ", then run it
# (in a dry run: print only).
vr_quote() {
  local out="" arg
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
      out+="$arg "
    else
      out+="'${arg//\'/\'\\\'\'}' "
    fi
  done
  printf '%s' "${out% }"
}

vr_run() {
  printf '$ %s\n' "$(vr_quote "$@")"
  if ((VR_DRY_RUN)); then
    return 0
  fi
  "$@"
}
