#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# GRPO with TRL's GRPOTrainer on a videorl records file, one node with 8 GPUs (Video-R2 style: transformers
# generation, DeepSpeed ZeRO-3, bf16). Launches recipes/trl_grpo.py with accelerate (recipes/trl_grpo_accelerate.yaml);
# video goes through videorl's sampler and Qwen glue, rewards through videorl's TRL adapter. See docs/trl.md.
#
# Usage: [VAR=value ...] bash recipes/trl_grpo.sh [--dry-run] [--key value ...]
#   --dry-run        check the inputs with recipes/trl_grpo.py --dry-run and print the exact launch; no GPU needed
#   --key value      further recipes/trl_grpo.py options or GRPOConfig fields, e.g. --max_steps 100 --lora-rank 64
#
# Variables (defaults in brackets):
#   MODEL_PATH       model dir or hub id [Qwen/Qwen2.5-VL-7B-Instruct] (Qwen2.5-VL or Qwen3-VL)
#   RECORDS          videorl records JSONL (`videorl data prepare` output) [required]
#   VIDEO_DIR        folder of relative video paths [$VIDEORL_VIDEO_DIR, else the records file's folder]
#   OUTPUT_DIR       checkpoints [./checkpoints/videorl/trl_grpo]
#   REWARD_PRESET    videorl reward preset [default] (videorl rewards list)
#   PROMPT_STYLE     direct, r1 or r1_json [r1]
#   LORA_RANK        0 = full fine-tuning of the language model [0]; then merge with `videorl export merge-lora`
#   NUM_PROCESSES    GPUs [8]    ACCELERATE_CONFIG [recipes/trl_grpo_accelerate.yaml]
#   PYTHON           python of the training environment (trl, peft, deepspeed, videorl) [python3]
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
vr_parse_args "$@"
set -- ${VR_ARGS[@]+"${VR_ARGS[@]}"}

export MODEL_PATH="${MODEL_PATH:-Qwen/Qwen2.5-VL-7B-Instruct}"
export RECORDS="${RECORDS:-}"
export VIDEO_DIR="${VIDEO_DIR:-}"
export OUTPUT_DIR="${OUTPUT_DIR:-./checkpoints/videorl/trl_grpo}"
export REWARD_PRESET="${REWARD_PRESET:-default}"
export PROMPT_STYLE="${PROMPT_STYLE:-r1}"
export LORA_RANK="${LORA_RANK:-0}"
NUM_PROCESSES="${NUM_PROCESSES:-8}"
ACCELERATE_CONFIG="${ACCELERATE_CONFIG:-$VR_RECIPES_DIR/trl_grpo_accelerate.yaml}"
[[ -n "$VIDEO_DIR" ]] || unset VIDEO_DIR

vr_check_model MODEL_PATH
vr_check_file RECORDS
vr_check_file ACCELERATE_CONFIG
vr_check_int NUM_PROCESSES
vr_check_int LORA_RANK 0
vr_check_gpus "$NUM_PROCESSES"
vr_end_checks

vr_show MODEL_PATH RECORDS OUTPUT_DIR REWARD_PRESET PROMPT_STYLE LORA_RANK NUM_PROCESSES ACCELERATE_CONFIG
if ((VR_DRY_RUN)); then
  # the recipe's own checks (records, videos, reward, GRPOConfig); loads no weights
  "$PYTHON" "$VR_RECIPES_DIR/trl_grpo.py" --dry-run "$@" || exit 2
fi
vr_run "$PYTHON" -m accelerate.commands.launch --config_file "$ACCELERATE_CONFIG" --num_processes "$NUM_PROCESSES" \
  "$VR_RECIPES_DIR/trl_grpo.py" "$@"
