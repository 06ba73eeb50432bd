#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# GRPO for video temporal grounding / video QA: Qwen2.5-VL-7B-Instruct on EasyR1 (pinned commit in
# third_party/pins.env), with videorl's reward file and data export. Config: qwen2_5_vl_7b_grpo.yaml.
#
# Usage: [VAR=value ...] bash recipes/qwen2_5_vl_7b_grpo.sh [--dry-run] [key=value ...]
#   --dry-run        print the resolved configuration and the exact launch; no GPU or EasyR1 needed
#   key=value        further EasyR1 overrides, e.g. worker.rollout.n=4 trainer.total_epochs=1
#
# Variables (defaults in brackets):
#   MODEL_PATH       model dir or hub id [Qwen/Qwen2.5-VL-7B-Instruct]; after SFT: the merged export dir
#   DATA_DIR         output of `videorl data export easyr1` [${VIDEORL_DATA_DIR:-~/.cache/videorl}/export/easyr1]
#   TRAIN_FILES      [$DATA_DIR/train.parquet]      VAL_FILES  [$DATA_DIR/val.parquet]
#   REWARD_PRESET    reward preset passed to the reward file [default]; alternatives: temporal_r1,
#                    default_grounding, default_mcq, default_grounded_qa, qwen3_vl_grpo_vtg, video_r2,
#                    versavid_r1, video_mtr (videorl rewards list). Checked against the export: it must
#                    pay a correct answer in PROMPT_STYLE for every task there (videorl easyr1 check)
#   PROMPT_STYLE     format prompt [r1_json with temporal_r1, else r1]; must match the export's --style
#   ALLOW_PATH_VIDEOS  1 accepts an export of video paths (EasyR1's clock for them is up to ~1 s off;
#                    export with --frames-cache instead) [0]
#   FORMAT_PROMPT    [$(dirname TRAIN_FILES)/format_prompt/$PROMPT_STYLE.jinja]
#   N_GPUS_PER_NODE  [8]    NNODES  [1]
#   LORA_RANK        0 = full fine-tuning [0]; e.g. 64 for LoRA (LORA_ALPHA [64], LR then defaults to 1e-5)
#   LR               actor learning rate [config: 1e-6]
#   EXPERIMENT_NAME  [qwen2_5_vl_7b_grpo]    SAVE_DIR  [./checkpoints/videorl/$EXPERIMENT_NAME]
#   PYTHON           python of the EasyR1 environment, with videorl installed [python3]
#
# Several nodes (EasyR1 uses Ray; every node needs the same environment and paths, e.g. a shared FS):
#   head node:     ray start --head --port=6379 --dashboard-host=0.0.0.0
#   other nodes:   ray start --address=<head node ip>:6379
#   check:         ray status
#   head node:     NNODES=2 bash recipes/qwen2_5_vl_7b_grpo.sh
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/easyr1.sh
. "$VR_LIB_DIR/easyr1.sh"
vr_parse_args "$@"
set -- ${VR_ARGS[@]+"${VR_ARGS[@]}"}

MODEL_PATH="${MODEL_PATH:-Qwen/Qwen2.5-VL-7B-Instruct}"
CONFIG="$VR_RECIPES_DIR/qwen2_5_vl_7b_grpo.yaml"
MODEL_FAMILY=qwen2_5_vl
vr_easyr1_prepare "$@"

vr_run "$PYTHON" -m verl.trainer.main config="$CONFIG" "${EASYR1_OVERRIDES[@]}" "$@"
