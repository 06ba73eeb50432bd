#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Video-MTR (multi-turn segment retrieval RL): Qwen2.5-VL-7B-Instruct on PyPI verl 0.9.1's agent loop,
# with videorl's environment tool, per-turn rewards, a critic and bi-level GAE (Video-MTR's algorithm). Config: verl/qwen2_5_vl_7b_mtr.yaml (verl's
# own Hydra config, Video-MTR's run_7B.sh settings), tool: verl/video_mtr_tool.yaml, agent loop:
# verl/video_mtr_agent.yaml. See docs/video_mtr.md.
#
# Usage: [VAR=value ...] bash recipes/qwen2_5_vl_7b_mtr_verl.sh [--dry-run] [key=value ...]
#   --dry-run        print the resolved configuration and the exact launch; no GPU or verl needed
#   key=value        further verl (Hydra) overrides, e.g. actor_rollout_ref.rollout.n=4 trainer.total_training_steps=10
#
# Variables (defaults in brackets):
#   MODEL_PATH       model dir or hub id [Qwen/Qwen2.5-VL-7B-Instruct]
#   DATA_DIR         output of `python -m videorl.envs.video_mtr_data` (records with relevant frames)
#                    [${VIDEORL_DATA_DIR:-~/.cache/videorl}/export/video_mtr]
#   TRAIN_FILES      [$DATA_DIR/train.parquet]      VAL_FILES  [$DATA_DIR/val.parquet]
#   VIDEO_DIR        folder the records' relative video paths resolve against [$VIDEORL_VIDEO_DIR or empty]
#   REWARD_NAME      compute_score (fixed) or compute_score_faithful (the original's bugs) [compute_score]
#   N_GPUS_PER_NODE  [8]    NNODES  [1]
#   EXPERIMENT_NAME  [qwen2_5_vl_7b_mtr_verl]    SAVE_DIR  [./checkpoints/videorl/$EXPERIMENT_NAME]
#   PYTHON           python of the verl 0.9.1 environment, with videorl installed [python3]
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
vr_parse_args "$@"
set -- ${VR_ARGS[@]+"${VR_ARGS[@]}"}

MODEL_PATH="${MODEL_PATH:-Qwen/Qwen2.5-VL-7B-Instruct}"
DATA_DIR="${DATA_DIR:-${VIDEORL_DATA_DIR:-$HOME/.cache/videorl}/export/video_mtr}"
TRAIN_FILES="$(vr_abspath "${TRAIN_FILES:-$DATA_DIR/train.parquet}")"
VAL_FILES="$(vr_abspath "${VAL_FILES:-$DATA_DIR/val.parquet}")"
VIDEO_DIR="${VIDEO_DIR:-${VIDEORL_VIDEO_DIR:-}}"
REWARD_NAME="${REWARD_NAME:-compute_score}"
N_GPUS_PER_NODE="${N_GPUS_PER_NODE:-8}"
NNODES="${NNODES:-1}"
EXPERIMENT_NAME="${EXPERIMENT_NAME:-$VR_NAME}"
SAVE_DIR="${SAVE_DIR:-$PWD/checkpoints/videorl/$EXPERIMENT_NAME}"
CONFIG_DIR="$VR_RECIPES_DIR/verl"
TOOL_CONFIG="$CONFIG_DIR/video_mtr_tool.yaml"
AGENT_CONFIG="$CONFIG_DIR/video_mtr_agent.yaml"

vr_check_model MODEL_PATH
vr_check_file TRAIN_FILES
vr_check_file VAL_FILES
vr_check_file TOOL_CONFIG
vr_check_file AGENT_CONFIG
vr_check_int N_GPUS_PER_NODE
vr_check_int NNODES
[[ -z "$VIDEO_DIR" ]] || vr_check_dir VIDEO_DIR
case "$REWARD_NAME" in compute_score | compute_score_faithful) ;; *) vr_error "REWARD_NAME=$REWARD_NAME must be compute_score or compute_score_faithful" ;; esac
vr_check_gpus "$N_GPUS_PER_NODE"
if ((!VR_DRY_RUN)) && ! "$PYTHON" -c 'import importlib.metadata as m, sys; sys.exit(m.version("verl") != "0.9.1")' 2>/dev/null; then
  vr_error "PYTHON=$PYTHON has no PyPI verl 0.9.1 (pip install verl==0.9.1; EasyR1's package is also called verl)"
fi
vr_end_checks

vr_show MODEL_PATH TRAIN_FILES VAL_FILES VIDEO_DIR REWARD_NAME N_GPUS_PER_NODE NNODES EXPERIMENT_NAME SAVE_DIR
OVERRIDES=(
  "data.train_files=$TRAIN_FILES" "data.val_files=$VAL_FILES"
  "actor_rollout_ref.model.path=$MODEL_PATH"
  "actor_rollout_ref.rollout.multi_turn.tool_config_path=$TOOL_CONFIG"
  "actor_rollout_ref.rollout.agent.agent_loop_config_path=$AGENT_CONFIG"
  "reward.custom_reward_function.name=$REWARD_NAME"
  "trainer.n_gpus_per_node=$N_GPUS_PER_NODE" "trainer.nnodes=$NNODES"
  "trainer.experiment_name=$EXPERIMENT_NAME" "trainer.default_local_dir=$SAVE_DIR"
)
if [[ -n "$VIDEO_DIR" ]]; then
  export VIDEORL_VIDEO_DIR="$VIDEO_DIR"  # the tool resolves relative videos here, on every Ray worker
fi
# verl imports videorl's plugin in every process (driver, task runner, agent-loop and reward workers), so the
# trainer mode, estimator, agent loop and tool parser are registered before verl looks them up
vr_run env VERL_USE_EXTERNAL_MODULES=videorl.plugins.verl_mtr "$PYTHON" -m verl.trainer.main_ppo --config-path "$CONFIG_DIR" --config-name qwen2_5_vl_7b_mtr "${OVERRIDES[@]}" "$@"
